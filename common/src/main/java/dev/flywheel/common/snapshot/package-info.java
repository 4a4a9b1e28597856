/**
 * Dataset snapshots of the compacted examples topic, shared by the trainer (which records one in
 * every candidate) and the evaluator and rebuild checks (which replay it).
 *
 * <p>{@link dev.flywheel.common.snapshot.ExampleSnapshotReader#take} records the end offsets of
 * every partition as a {@code read_committed} consumer sees them, then reads each partition from
 * its log start up to them, keeping one model's latest example per id (a tombstone removes one);
 * {@link dev.flywheel.common.snapshot.ExampleSnapshotReader#readUpTo} reads the recorded ranges of
 * a {@link dev.flywheel.events.DatasetSnapshot} again and yields the same training and holdout
 * lists, sorted by example id. Typical use:
 *
 * <pre>{@code
 * try (ExampleSnapshotReader reader =
 *     ExampleSnapshotReader.create(kafkaConsumerSettings, topics.examples().valueSerde().deserializer(),
 *         Duration.ofMinutes(2))) {
 *   ExampleSnapshot now = reader.take(topics.examples().name(), "my-model");      // trainer
 *   ExampleSnapshot same = reader.readUpTo(candidate.getSnapshot(), "my-model");  // evaluator
 *   List<LabeledExample> holdout = same.holdout();
 * }
 * }</pre>
 *
 * <p>{@link dev.flywheel.common.snapshot.BoundedReader} is the underlying "read these partitions
 * between these offsets without a consumer group" loop. {@link
 * dev.flywheel.common.snapshot.TopicTail} builds on it the one topic follower of the services: it
 * keeps the partitions and positions of a set of topics, catches up to given end offsets and then
 * hands over whatever arrives (the ingest's registry and activity views, the evaluator's state, the
 * trainer's tables).
 */
package dev.flywheel.common.snapshot;
