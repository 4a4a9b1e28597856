package dev.flywheel.feedback;

import dev.flywheel.events.LabeledExample;

/**
 * An example as {@link ExampleResolver} wrote it.
 *
 * @param firstSeen the example id had no label before
 * @param labelChanged the label differs from the one before (true when first seen)
 * @param serialized the example as written to the store and the examples topic (null until then)
 */
record Resolved(
    LabeledExample example, boolean firstSeen, boolean labelChanged, byte[] serialized) {
  Resolved(LabeledExample example, boolean firstSeen, boolean labelChanged) {
    this(example, firstSeen, labelChanged, null);
  }

  Resolved withSerialized(byte[] bytes) {
    return new Resolved(example, firstSeen, labelChanged, bytes);
  }
}
