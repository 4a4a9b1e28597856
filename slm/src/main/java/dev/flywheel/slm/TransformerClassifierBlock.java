package dev.flywheel.slm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.NormalInitializer;
import ai.djl.util.PairList;
import java.util.ArrayList;
import java.util.List;

/**
 * A small transformer encoder for classification: token plus learned position embeddings, {@code
 * layers} pre-norm encoder layers whose attention ignores padding, a final layer norm, the mean
 * over non-padding positions, and a dense layer.
 *
 * <p>DJL's {@code TransformerEncoderBlock} normalises with BatchNorm, whose statistics would mix
 * padding positions and depend on batch composition during training; the layers here use LayerNorm
 * around DJL's {@code ScaledDotProductAttentionBlock} instead.
 */
final class TransformerClassifierBlock extends AbstractBlock {
  private static final byte VERSION = 1;

  private final Parameter tokens;
  private final Parameter positions;
  private final List<EncoderLayer> layers = new ArrayList<>();
  private final LayerNorm finalNorm;
  private final Dropout dropout;
  private final Linear output;
  private final int dim;
  private final int labels;

  TransformerClassifierBlock(
      int vocabularySize,
      int sequenceLength,
      int dim,
      int hidden,
      int layerCount,
      int heads,
      float dropoutRate,
      int labels) {
    super(VERSION);
    this.dim = dim;
    this.labels = labels;
    this.tokens =
        addParameter(
            SparseEmbedding.table("tokenEmbedding", new Shape(vocabularySize, dim), 0.05f));
    this.positions =
        addParameter(
            Parameter.builder()
                .setName("positionEmbedding")
                .setType(Parameter.Type.WEIGHT)
                .optShape(new Shape(sequenceLength, dim))
                .optInitializer(new NormalInitializer(0.05f))
                .build());
    for (int i = 0; i < layerCount; i++) {
      layers.add(addChildBlock("layer" + i, new EncoderLayer(dim, hidden, heads, dropoutRate)));
    }
    this.finalNorm = addChildBlock("finalNorm", LayerNorm.builder().axis(2).build());
    this.dropout = addChildBlock("dropout", Dropout.builder().optRate(dropoutRate).build());
    this.output = addChildBlock("output", Linear.builder().setUnits(labels).build());
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    NDArray ids = inputs.head();
    long batch = ids.getShape().get(0);
    long length = ids.getShape().get(1);
    NDArray positionWeight = ps.getValue(positions, ids.getDevice(), training);
    NDArray x = SparseEmbedding.lookup(ps, tokens, ids, training, params);
    // Broadcast (L, D) over the batch; x goes first so results belong to the batch, not the model.
    x = x.add(positionWeight);
    NDArray keep = ids.gt(Tokenizer.PAD_ID).toType(DataType.FLOAT32, false);
    // (B, T, F): every query position may attend to every non-padding key position.
    NDArray attentionMask = keep.expandDims(1).broadcast(new Shape(batch, length, length));
    for (EncoderLayer layer : layers) {
      x = layer.forward(ps, new NDList(x, attentionMask), training, params).head();
    }
    x = finalNorm.forward(ps, new NDList(x), training, params).head();
    NDArray sum = x.mul(keep.expandDims(2)).sum(new int[] {1});
    NDArray pooled = sum.div(keep.sum(new int[] {1}, true).maximum(1f));
    NDList dropped = dropout.forward(ps, new NDList(pooled), training, params);
    return output.forward(ps, dropped, training, params);
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return new Shape[] {new Shape(inputShapes[0].get(0), labels)};
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
    Shape in = inputShapes[0];
    Shape hiddenShape = new Shape(in.get(0), in.get(1), dim);
    Shape maskShape = new Shape(in.get(0), in.get(1), in.get(1));
    for (EncoderLayer layer : layers) {
      layer.initialize(manager, dataType, hiddenShape, maskShape);
    }
    finalNorm.initialize(manager, dataType, hiddenShape);
    dropout.initialize(manager, dataType, new Shape(in.get(0), dim));
    output.initialize(manager, dataType, new Shape(in.get(0), dim));
  }
}
