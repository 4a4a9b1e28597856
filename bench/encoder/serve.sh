#!/usr/bin/env bash
# Runs the serving benchmark (dev.flywheel.ingest.bench.EncoderServingBenchmark, in
# ingest-service's test sources): predict through the gateway on the embedded broker for an
# encoder/head model against a bag model, micro-batching on and off. This checkout's modules, not
# ~/.m2's. Arguments pass through, e.g.: bench/encoder/serve.sh seconds=5 concurrency=32 rate=200
set -euo pipefail
cd "$(dirname "$0")/../.."
mvn -B -o -q -pl ingest-service -am test-compile dependency:build-classpath -Dcheckstyle.skip \
  -Dspotless.check.skip -Dmdep.includeScope=test \
  -Dmdep.outputFile="$PWD/ingest-service/target/encoder-bench.classpath"
CLASSES=$(mktemp -d ingest-service/target/encoder-bench-classes.XXXXXX)
cp -r ingest-service/target/classes/. ingest-service/target/test-classes/. "$CLASSES"/
export DJL_OFFLINE=true
exec java -Xmx4g ${JAVA_OPTS:-} -Dai.djl.offline=true -Dai.djl.pytorch.num_threads=1 \
  -Dai.djl.pytorch.num_interop_threads=1 \
  -cp "$CLASSES:$(cat ingest-service/target/encoder-bench.classpath)" \
  dev.flywheel.ingest.bench.EncoderServingBenchmark "$@"
