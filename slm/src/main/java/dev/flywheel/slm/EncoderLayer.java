package dev.flywheel.slm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.nn.transformer.ScaledDotProductAttentionBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * One pre-norm transformer encoder layer: {@code x + attention(norm(x), mask)}, then {@code x +
 * feedForward(norm(x))}. Inputs: hidden states (B, L, D) and an attention mask (B, L, L) of 1s for
 * the positions to keep.
 */
final class EncoderLayer extends AbstractBlock {
  private static final byte VERSION = 1;

  private final LayerNorm attentionNorm;
  private final ScaledDotProductAttentionBlock attention;
  private final LayerNorm feedForwardNorm;
  private final Linear expand;
  private final Linear contract;
  private final Dropout dropout;
  private final int hidden;

  EncoderLayer(int dim, int hidden, int heads, float dropoutRate) {
    super(VERSION);
    this.hidden = hidden;
    this.attentionNorm = addChildBlock("attentionNorm", LayerNorm.builder().axis(2).build());
    this.attention =
        addChildBlock(
            "attention",
            ScaledDotProductAttentionBlock.builder()
                .setEmbeddingSize(dim)
                .setHeadCount(heads)
                .optAttentionProbsDropoutProb(dropoutRate)
                .build());
    this.feedForwardNorm = addChildBlock("feedForwardNorm", LayerNorm.builder().axis(2).build());
    this.expand = addChildBlock("expand", Linear.builder().setUnits(hidden).build());
    this.contract = addChildBlock("contract", Linear.builder().setUnits(dim).build());
    this.dropout = addChildBlock("dropout", Dropout.builder().optRate(dropoutRate).build());
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    NDArray x = inputs.get(0);
    NDArray mask = inputs.get(1);
    NDArray normed = attentionNorm.forward(ps, new NDList(x), training, params).head();
    NDArray attended = attention.forward(ps, new NDList(normed, mask), training, params).head();
    x = x.add(dropout.forward(ps, new NDList(attended), training, params).head());
    NDArray h = feedForwardNorm.forward(ps, new NDList(x), training, params).head();
    h = Activation.relu(expand.forward(ps, new NDList(h), training, params).head());
    h = contract.forward(ps, new NDList(h), training, params).head();
    x = x.add(dropout.forward(ps, new NDList(h), training, params).head());
    return new NDList(x);
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return new Shape[] {inputShapes[0]};
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
    Shape x = inputShapes[0];
    attentionNorm.initialize(manager, dataType, x);
    attention.initialize(manager, dataType, x, inputShapes[1]);
    feedForwardNorm.initialize(manager, dataType, x);
    expand.initialize(manager, dataType, x);
    contract.initialize(manager, dataType, new Shape(x.get(0), x.get(1), hidden));
    dropout.initialize(manager, dataType, x);
  }
}
