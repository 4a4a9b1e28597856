#!/usr/bin/env bash
# Runs the encoder benchmark (dev.flywheel.slm.encoder.bench.EncoderBenchmark, in slm-encoder's
# test sources) offline on one intra-op thread, against this checkout's slm (not ~/.m2's).
# Arguments pass through, e.g.:
#   bench/encoder/run.sh part=accuracy task=topics8,categories26 models=head,top:2,bag,reference
#   bench/encoder/run.sh part=throughput texts=2000
set -euo pipefail
cd "$(dirname "$0")/../.."
mvn -B -o -q -pl slm-encoder -am test-compile dependency:build-classpath -Dcheckstyle.skip \
  -Dspotless.check.skip -Dmdep.includeScope=test -Dmdep.outputFile="$PWD/slm-encoder/target/bench.classpath"
CLASSES=$(mktemp -d slm-encoder/target/bench-classes.XXXXXX)
cp -r slm-encoder/target/classes/. slm-encoder/target/test-classes/. "$CLASSES"/
export DJL_OFFLINE=true
exec java -Xmx6g -Dai.djl.offline=true -Dai.djl.pytorch.num_threads=1 \
  -Dai.djl.pytorch.num_interop_threads=1 \
  -cp "$CLASSES:$(cat slm-encoder/target/bench.classpath)" \
  "${BENCH_MAIN:-dev.flywheel.slm.encoder.bench.EncoderBenchmark}" "$@"
