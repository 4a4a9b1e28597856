package dev.flywheel.slm.encoder;

/**
 * What a base model is, for listings and for the card of every model fine-tuned from it.
 *
 * @param name catalogue name, e.g. {@code minilm-l6}
 * @param architecture {@code bert}
 * @param parameterCount number of encoder parameters
 * @param licence the weights' licence, e.g. {@code Apache-2.0}
 * @param source Maven coordinates of the jar it came from, or the URI of its directory
 * @param sha256 sha256 of the converted weights package in the artifact store (its identity)
 * @param hiddenSize width of its sentence embeddings
 * @param layers number of encoder layers
 * @param maxPositions the longest input it accepts, in tokens
 */
public record BaseModelCard(
    String name,
    String architecture,
    long parameterCount,
    String licence,
    String source,
    String sha256,
    int hiddenSize,
    int layers,
    int maxPositions) {}
