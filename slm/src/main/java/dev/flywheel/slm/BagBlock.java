package dev.flywheel.slm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * fastText-style classifier: mean of the embeddings of all non-padding ids, then a linear layer.
 * Padding is masked out of the mean, so a short text is not diluted towards the pad vector. With
 * dropout, training drops each token from the mean with that probability (token dropout).
 */
final class BagBlock extends AbstractBlock {
  private static final byte VERSION = 1;

  private final Parameter embedding;
  private final Linear output;
  private final int dim;
  private final int labels;
  private final float tokenDropout;

  BagBlock(int rows, int dim, float tokenDropout, int labels) {
    super(VERSION);
    this.dim = dim;
    this.labels = labels;
    this.tokenDropout = tokenDropout;
    this.embedding = addParameter(SparseEmbedding.table("embedding", new Shape(rows, dim), 0.1f));
    this.output = addChildBlock("output", Linear.builder().setUnits(labels).build());
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    NDArray ids = inputs.head();
    NDArray vectors = SparseEmbedding.lookup(ps, embedding, ids, training, params);
    NDArray mask = ids.gt(Tokenizer.PAD_ID).toType(DataType.FLOAT32, false);
    if (training && tokenDropout > 0) {
      // Token dropout: each training step averages a random subset of the text's tokens.
      mask = mask.mul(ids.getManager().randomUniform(0f, 1f, ids.getShape()).gte(tokenDropout));
    }
    NDArray sum = vectors.mul(mask.expandDims(2)).sum(new int[] {1});
    NDArray count = mask.sum(new int[] {1}, true).maximum(1f);
    return output.forward(ps, new NDList(sum.div(count)), training, params);
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return new Shape[] {new Shape(inputShapes[0].get(0), labels)};
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
    output.initialize(manager, dataType, new Shape(inputShapes[0].get(0), dim));
  }
}
