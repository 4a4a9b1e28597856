package dev.flywheel.feedback;

import dev.flywheel.events.LabeledExample;

/**
 * An example as {@link ExampleResolver} wrote it.
 *
 * @param firstSeen the example id had no label before
 * @param labelChanged the label differs from the one before (true when first seen)
 */
record Resolved(LabeledExample example, boolean firstSeen, boolean labelChanged) {}
