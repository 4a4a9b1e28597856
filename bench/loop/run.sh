#!/usr/bin/env bash
# Runs the loop-efficacy benchmark (dev.flywheel.platform.LoopBenchmark, in platform's test
# sources) offline on one intra-op thread. Arguments pass through, e.g.:
#   bench/loop/run.sh corpus=topics8,categories26,tang8,spam,fortunes-de
#   bench/loop/run.sh corpus=topics8 limit=2000 architecture=lstm
# Prints one Markdown table row per release on standard output; the loop's events go to standard
# error and the services' logs to platform/target/loop-bench.log.
set -euo pipefail
cd "$(dirname "$0")/../.."
root="$PWD"
# One reactor build, so every flywheel module comes from this work tree (never ~/.m2's snapshots).
mvn -B -o -q -pl platform -am test-compile dependency:build-classpath -Dcheckstyle.skip \
  -Dspotless.check.skip=true -Dmdep.includeScope=test \
  -Dmdep.outputFile="$root/platform/target/loop-bench.classpath"
# A snapshot of the classes, so rebuilding a module during a long run cannot change it.
CLASSES=$(mktemp -d platform/target/loop-bench-classes.XXXXXX)
cp -r platform/target/classes/. platform/target/test-classes/. "$CLASSES"/
test -s platform/target/loop-bench.classpath
export DJL_OFFLINE=true
exec java -Xmx6g -Dai.djl.offline=true -Dai.djl.pytorch.num_threads=1 \
  -Dai.djl.pytorch.num_interop_threads=1 \
  -Dflywheel.log.file="$root/platform/target/loop-bench.log" \
  -cp "$CLASSES:$(cat platform/target/loop-bench.classpath)" \
  dev.flywheel.platform.LoopBenchmark data="$root/data" "$@"
