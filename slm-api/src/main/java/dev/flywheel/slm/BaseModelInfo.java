package dev.flywheel.slm;

/**
 * The card of a pretrained base model: what {@code GET /v1/base-models} lists and what the manifest
 * of every model fine-tuned from it records.
 *
 * @param name catalogue name, e.g. {@code minilm-l6}
 * @param architecture the base model's family, e.g. {@code bert}
 * @param parameters number of its parameters
 * @param licence licence of its weights, e.g. {@code Apache-2.0}
 * @param source Maven coordinates of the jar it comes from, or the URI of its directory
 * @param sha256 sha256 of its converted weights in the artifact store; null until converted
 */
public record BaseModelInfo(
    String name,
    String architecture,
    long parameters,
    String licence,
    String source,
    String sha256) {}
