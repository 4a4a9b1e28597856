#!/usr/bin/env bash
# Runs the ingest benchmark (dev.flywheel.ingest.bench.IngestBenchmark, in ingest-service's test
# sources) on the embedded broker and registry, offline, one intra-op thread. Arguments pass
# through, e.g.:
#   bench/ingest/run.sh seconds=5 rounds=3 concurrency=32 single.concurrency=32,128 batch=200
# Prints a Markdown table and the ratios against the two baselines. Extra JVM flags (e.g. a JFR
# recording) go in JAVA_OPTS.
set -euo pipefail
cd "$(dirname "$0")/../.."
mvn -B -o -q -pl ingest-service test-compile -Dcheckstyle.skip
mvn -B -o -q -pl ingest-service dependency:build-classpath -Dmdep.includeScope=test \
  -Dmdep.outputFile="$PWD/ingest-service/target/bench.classpath"
# A snapshot of the classes, so rebuilding the module during a run cannot change it.
rm -rf ingest-service/target/bench-classes && mkdir -p ingest-service/target/bench-classes
cp -r ingest-service/target/classes/. ingest-service/target/test-classes/. \
  ingest-service/target/bench-classes/
CLASSPATH_FILE=ingest-service/target/bench.classpath
test -s "$CLASSPATH_FILE"
# The same for Flywheel's own jars in ~/.m2, which other modules' builds may reinstall meanwhile.
rm -rf ingest-service/target/bench-lib && mkdir -p ingest-service/target/bench-lib
CLASSPATH=""
IFS=":" read -ra ENTRIES < "$CLASSPATH_FILE" || true  # no newline at the end
for entry in "${ENTRIES[@]}"; do
  case "$entry" in
    */dev/flywheel/*.jar)
      cp "$entry" ingest-service/target/bench-lib/
      entry="ingest-service/target/bench-lib/$(basename "$entry")" ;;
  esac
  CLASSPATH="${CLASSPATH:+$CLASSPATH:}$entry"
done
export DJL_OFFLINE=true
exec java -Xmx3g ${JAVA_OPTS:-} -Dai.djl.offline=true -Dai.djl.pytorch.num_threads=1 \
  -Dai.djl.pytorch.num_interop_threads=1 \
  -cp "ingest-service/target/bench-classes:$CLASSPATH" \
  dev.flywheel.ingest.bench.IngestBenchmark "$@"
