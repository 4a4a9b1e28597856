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
import ai.djl.nn.recurrent.LSTM;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * Embedding, one LSTM layer, dense layer. Texts are padded at the end, so the state after the last
 * real token (not after the padding) is what the dense layer reads.
 */
final class LstmClassifierBlock extends AbstractBlock {
  private static final byte VERSION = 1;

  private final Parameter embedding;
  private final LSTM lstm;
  private final Dropout dropout;
  private final Linear output;
  private final int dim;
  private final int hidden;
  private final int labels;

  LstmClassifierBlock(int vocabularySize, int dim, int hidden, float dropoutRate, int labels) {
    super(VERSION);
    this.dim = dim;
    this.hidden = hidden;
    this.labels = labels;
    this.embedding =
        addParameter(SparseEmbedding.table("embedding", new Shape(vocabularySize, dim), 0.1f));
    this.lstm =
        addChildBlock(
            "lstm",
            LSTM.builder()
                .setStateSize(hidden)
                .setNumLayers(1)
                .optBatchFirst(true)
                .optReturnState(false)
                .build());
    this.dropout = addChildBlock("dropout", Dropout.builder().optRate(dropoutRate).build());
    this.output = addChildBlock("output", Linear.builder().setUnits(labels).build());
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    NDArray ids = inputs.head();
    long length = ids.getShape().get(1);
    NDArray vectors = SparseEmbedding.lookup(ps, embedding, ids, training, params);
    NDArray states = lstm.forward(ps, new NDList(vectors), training, params).head();
    NDArray lengths = ids.gt(Tokenizer.PAD_ID).toType(DataType.FLOAT32, false).sum(new int[] {1});
    NDArray last = lengths.sub(1f).maximum(0f).expandDims(1);
    NDArray positions = ids.getManager().arange(0f, (float) length, 1f).expandDims(0);
    NDArray pick = positions.eq(last).toType(DataType.FLOAT32, false).expandDims(2);
    NDArray lastState = states.mul(pick).sum(new int[] {1});
    NDList dropped = dropout.forward(ps, new NDList(lastState), training, params);
    return output.forward(ps, dropped, training, params);
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return new Shape[] {new Shape(inputShapes[0].get(0), labels)};
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
    Shape in = inputShapes[0];
    lstm.initialize(manager, dataType, new Shape(in.get(0), in.get(1), dim));
    dropout.initialize(manager, dataType, new Shape(in.get(0), hidden));
    output.initialize(manager, dataType, new Shape(in.get(0), hidden));
  }
}
