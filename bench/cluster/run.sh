#!/usr/bin/env bash
# The fault harness: a three-broker Kafka cluster (kafka.Kafka processes), the schema registry and
# Flywheel's services as separate processes (2 gateways, 2 feedback instances, 2 trainer workers,
# the evaluator), then each fault in turn while an app uploads. Prints one Markdown row per fault.
#   bench/cluster/run.sh                               every fault
#   bench/cluster/run.sh faults=leader,worker          some of them
#   bench/cluster/run.sh store=s3 faults=worker        artifacts in S3 (s3rver, npm) instead of file:
#   BENCH_MAIN=dev.flywheel.platform.cluster.RestartTime bench/cluster/run.sh examples=20000
#                                                      flywheel up: restart after kill -9 vs SIGTERM
# Needs about 8 GB of memory; logs and data stay under platform/target/cluster*/.
set -euo pipefail
cd "$(dirname "$0")/../.."
# One reactor run, so that the class path names this checkout's modules, never stale snapshots;
# platform is built last, so the file ends up holding its class path.
mvn -B -q -pl platform -am test-compile dependency:build-classpath -Dcheckstyle.skip \
  -Dspotless.check.skip=true -Dmdep.includeScope=test \
  -Dmdep.outputFile="$PWD/platform/target/cluster.classpath"
CLASSES=$(mktemp -d platform/target/cluster-classes.XXXXXX)
cp -r platform/target/classes/. platform/target/test-classes/. "$CLASSES"/
if [[ " $* " == *" store=s3 "* && ! -f artifact-store-s3/node_modules/s3rver/bin/s3rver.js ]]; then
  (cd artifact-store-s3 && npm ci --ignore-scripts --prefer-offline --no-audit --no-fund)
fi
export DJL_OFFLINE=true
exec java -Xmx1g -Dflywheel.s3rver.home=artifact-store-s3/node_modules/s3rver -cp "$CLASSES:$(cat platform/target/cluster.classpath)" \
  "${BENCH_MAIN:-dev.flywheel.platform.cluster.ClusterFaults}" dir=platform/target "$@"
