package dev.flywheel.slm;

import java.util.Map;

/**
 * A classifier's answer for one text.
 *
 * @param label the most probable label
 * @param confidence its probability
 * @param scores the probability of every label, in the model's label order
 */
public record Prediction(String label, float confidence, Map<String, Float> scores) {}
