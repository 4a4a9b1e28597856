#!/usr/bin/env bash
# Runs the slm benchmark (dev.flywheel.slm.bench.SlmBenchmark, in slm's test sources) offline on
# one intra-op thread. Arguments pass through, e.g.:
#   bench/slm/run.sh arch=bag,lstm,transformer task=topics8,categories26
#   bench/slm/run.sh arch=bag task=topics8 limit=5000 embeddingDim=128
# Prints one Markdown table row per architecture and task.
# BENCH_MAIN=dev.flywheel.slm.bench.SmallDataBenchmark runs the small-data benchmark instead.
set -euo pipefail
cd "$(dirname "$0")/../.."
# One reactor run with -am: slm needs slm-api from this checkout, never a stale snapshot in ~/.m2
# (slm is built last, so the file ends up holding its class path).
mvn -B -o -q -pl slm -am test-compile dependency:build-classpath -Dcheckstyle.skip \
  -Dspotless.check.skip=true -Dmdep.includeScope=test \
  -Dmdep.outputFile="$PWD/slm/target/bench.classpath"
# A snapshot of the classes, so rebuilding the module during a long run cannot change it.
# One directory per run, so two runs at once do not share one.
CLASSES=$(mktemp -d slm/target/bench-classes.XXXXXX)
cp -r slm/target/classes/. slm/target/test-classes/. "$CLASSES"/
CLASSPATH_FILE=slm/target/bench.classpath
test -s "$CLASSPATH_FILE"
export DJL_OFFLINE=true
exec java -Xmx4g -Dai.djl.offline=true -Dai.djl.pytorch.num_threads=1 \
  -Dai.djl.pytorch.num_interop_threads=1 \
  -cp "$CLASSES:$(cat "$CLASSPATH_FILE")" \
  "${BENCH_MAIN:-dev.flywheel.slm.bench.SlmBenchmark}" "$@"
