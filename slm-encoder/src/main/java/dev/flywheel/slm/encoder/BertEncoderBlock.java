package dev.flywheel.slm.encoder;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Embedding;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import ai.djl.training.initializer.NormalInitializer;
import ai.djl.util.PairList;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A BERT encoder as a DJL block, holding its weights under their Hugging Face names: token,
 * position and type embeddings; post-LayerNorm layers (self-attention whose softmax ignores padded
 * keys, then an exact-GELU feed-forward layer); and mean pooling over the real tokens.
 *
 * <p>Inputs: token ids (B, L) int64, attention mask (B, L) with 1 for real tokens and, optionally,
 * token type ids (B, L). Outputs: token states (B, L, H) and pooled sentence embeddings (B, H).
 * DJL's own {@code BertBlock} does not fit pretrained checkpoints (it normalises with BatchNorm and
 * has a pooler), hence this block.
 */
public final class BertEncoderBlock extends AbstractBlock {
  private static final byte VERSION = 1;
  // As BERT's own -10000: exp() of it is 0 in float32, and unlike -Float.MAX_VALUE it cannot
  // overflow to -inf in a sum. (The rare NaN gradients once blamed on it were freed memory: see
  // WeightedLoss.)
  private static final float MASKED = -1e4f;

  /** The word embedding table's name. */
  static final String WORD_TABLE = "embeddings.word_embeddings.weight";

  private final BertConfig config;
  private final float dropoutRate;
  private final Map<String, Parameter> byName = new LinkedHashMap<>();

  /**
   * An encoder whose parameters are initialised from {@code weights} (Hugging Face names and
   * layout), or at random when {@code weights} is empty (to be loaded from a saved model).
   *
   * @param dropoutRate dropout on attention probabilities and layer outputs while training
   * @throws WeightFormatException when a weight is missing or has the wrong shape
   */
  public BertEncoderBlock(BertConfig config, Map<String, Tensor> weights, float dropoutRate) {
    super(VERSION);
    this.config = config;
    this.dropoutRate = dropoutRate;
    for (Map.Entry<String, long[]> e : config.weightShapes().entrySet()) {
      String name = e.getKey();
      Shape shape = new Shape(e.getValue());
      Initializer init;
      if (weights.isEmpty()) {
        init = randomInitializer(name);
      } else {
        Tensor t = weights.get(name);
        if (t == null) {
          throw new WeightFormatException("weight " + name + " is missing");
        }
        if (!new Shape(t.shape()).equals(shape)) {
          throw new WeightFormatException(
              "weight " + name + " has shape " + new Shape(t.shape()) + ", expected " + shape);
        }
        init = (manager, s, dataType) -> manager.create(t.data(), s);
      }
      Parameter p =
          addParameter(
              Parameter.builder()
                  .setName(name)
                  .setType(Parameter.Type.WEIGHT)
                  .optShape(shape)
                  .optInitializer(init)
                  .build());
      byName.put(name, p);
    }
  }

  private static Initializer randomInitializer(String name) {
    if (name.endsWith("LayerNorm.weight")) {
      return Initializer.ONES;
    }
    if (name.endsWith(".bias")) {
      return Initializer.ZEROS;
    }
    return new NormalInitializer(0.02f);
  }

  /** The encoder's shape. */
  public BertConfig config() {
    return config;
  }

  /** A parameter by its Hugging Face name. */
  public Parameter parameter(String name) {
    Parameter p = byName.get(name);
    if (p == null) {
      throw new IllegalArgumentException("no parameter " + name);
    }
    return p;
  }

  /** All parameters by Hugging Face name, in a fixed order. */
  public Map<String, Parameter> parametersByName() {
    return byName;
  }

  /**
   * Freezes every parameter except those of the last {@code trainableLayers} layers (0 freezes all,
   * {@code layers} unfreezes the layers but not the embeddings, more unfreezes everything).
   */
  public void freezeBelow(int trainableLayers) {
    int first = config.layers() - trainableLayers;
    for (Map.Entry<String, Parameter> e : byName.entrySet()) {
      int layer = layerOf(e.getKey());
      boolean trainable = layer < 0 ? first < 0 : layer >= first;
      e.getValue().freeze(!trainable);
    }
  }

  private static int layerOf(String name) {
    if (!name.startsWith("encoder.layer.")) {
      return -1;
    }
    int start = "encoder.layer.".length();
    return Integer.parseInt(name.substring(start, name.indexOf('.', start)));
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    NDArray ids = inputs.get(0);
    NDArray mask = inputs.get(1);
    NDArray types = inputs.size() > 2 ? inputs.get(2) : null;
    return encode(ps, ids, mask, types, null, training);
  }

  /**
   * As {@link #forward}, with the ids looked up in {@code wordRows} instead of the word table: a
   * training step passes a copy of its batch's rows (the ids then index that copy, [PAD] at 0), so
   * that its backward pass builds the gradient of those rows, not of the whole table.
   *
   * @param rowIndexes (B, L) indexes into {@code wordRows}
   * @param wordRows (R, H)
   */
  NDList forwardOnRows(
      ParameterStore ps, NDArray rowIndexes, NDArray mask, NDArray wordRows, boolean training) {
    return encode(ps, rowIndexes, mask, null, wordRows, training);
  }

  private NDList encode(
      ParameterStore ps,
      NDArray ids,
      NDArray mask,
      NDArray types,
      NDArray wordRows,
      boolean training) {
    NDArray x = embed(ps, ids, types, wordRows, training);
    x = layers(ps, x, mask, 0, config.layers(), training);
    return new NDList(x, meanPool(x, mask));
  }

  /** The embedding sum after its layer norm: (B, L, H). */
  NDArray embed(ParameterStore ps, NDArray ids, NDArray types, boolean training) {
    return embed(ps, ids, types, null, training);
  }

  private NDArray embed(
      ParameterStore ps, NDArray ids, NDArray types, NDArray wordRows, boolean training) {
    Device device = ids.getDevice();
    long length = ids.getShape().get(1);
    if (length > config.maxPositions()) {
      throw new IllegalArgumentException(
          "input of " + length + " tokens exceeds the " + config.maxPositions() + " positions");
    }
    NDArray word = wordRows != null ? wordRows : value(ps, WORD_TABLE, device, training);
    NDArray position = value(ps, "embeddings.position_embeddings.weight", device, training);
    NDArray type = value(ps, "embeddings.token_type_embeddings.weight", device, training);
    NDArray x = Embedding.embedding(ids, word, SparseFormat.DENSE).head();
    // Slices of the tables belong to the batch's manager, not the model's, so none outlive it.
    NDArray positions = position.get(new NDIndex("0:{}", length));
    positions.attach(ids.getManager());
    x = x.add(positions);
    if (types == null) {
      NDArray first = type.get(0);
      first.attach(ids.getManager());
      x = x.add(first);
    } else {
      x = x.add(Embedding.embedding(types, type, SparseFormat.DENSE).head());
    }
    x = norm(ps, x, "embeddings.LayerNorm", device, training);
    return dropout(x, training);
  }

  /** Runs layers {@code from} (inclusive) to {@code to} (exclusive) over states (B, L, H). */
  NDArray layers(ParameterStore ps, NDArray x, NDArray mask, int from, int to, boolean training) {
    long batch = x.getShape().get(0);
    long length = x.getShape().get(1);
    // (B, 1, 1, L): 0 where a key is a real token, a huge negative number where it is padding.
    NDArray keyBias =
        mask.toType(DataType.FLOAT32, false).neg().add(1f).mul(MASKED).reshape(batch, 1, 1, length);
    // An array of the batch's manager, not div(Number): autograd keeps the divisor for the backward
    // pass, and DJL frees a Number's array right after the operation (see WeightedLoss).
    NDArray scoreScale = x.getManager().create((float) Math.sqrt(config.headSize()));
    for (int i = from; i < to; i++) {
      x = layer(ps, i, x, keyBias, scoreScale, training);
    }
    return x;
  }

  private NDArray layer(
      ParameterStore ps,
      int index,
      NDArray x,
      NDArray keyBias,
      NDArray scoreScale,
      boolean training) {
    Device device = x.getDevice();
    String p = "encoder.layer." + index + ".";
    long batch = x.getShape().get(0);
    long length = x.getShape().get(1);
    int heads = config.heads();
    int headSize = config.headSize();
    NDArray q = heads(dense(ps, x, p + "attention.self.query", device, training), heads, headSize);
    NDArray k = heads(dense(ps, x, p + "attention.self.key", device, training), heads, headSize);
    NDArray v = heads(dense(ps, x, p + "attention.self.value", device, training), heads, headSize);
    NDArray scores = q.matMul(k.transpose(0, 1, 3, 2)).div(scoreScale).add(keyBias);
    NDArray probs = dropout(scores.softmax(-1), training);
    NDArray context =
        probs.matMul(v).transpose(0, 2, 1, 3).reshape(batch, length, config.hiddenSize());
    NDArray attended =
        dropout(dense(ps, context, p + "attention.output.dense", device, training), training);
    x = norm(ps, attended.add(x), p + "attention.output.LayerNorm", device, training);
    NDArray inner = Activation.gelu(dense(ps, x, p + "intermediate.dense", device, training));
    NDArray out = dropout(dense(ps, inner, p + "output.dense", device, training), training);
    return norm(ps, out.add(x), p + "output.LayerNorm", device, training);
  }

  /** (B, L, H) -> (B, heads, L, headSize). */
  private static NDArray heads(NDArray x, int heads, int headSize) {
    Shape s = x.getShape();
    return x.reshape(s.get(0), s.get(1), heads, headSize).transpose(0, 2, 1, 3);
  }

  /** The mean of the token states over the real tokens: (B, H). */
  static NDArray meanPool(NDArray states, NDArray mask) {
    NDArray m = mask.toType(DataType.FLOAT32, false).expandDims(2);
    NDArray sum = states.mul(m).sum(new int[] {1});
    return sum.div(m.sum(new int[] {1}).maximum(1e-9f));
  }

  private NDArray dense(
      ParameterStore ps, NDArray x, String name, Device device, boolean training) {
    return Linear.linear(
            x,
            value(ps, name + ".weight", device, training),
            value(ps, name + ".bias", device, training))
        .head();
  }

  private NDArray norm(ParameterStore ps, NDArray x, String name, Device device, boolean training) {
    return LayerNorm.layerNorm(
            x,
            new Shape(config.hiddenSize()),
            value(ps, name + ".weight", device, training),
            value(ps, name + ".bias", device, training),
            config.layerNormEps())
        .head();
  }

  private NDArray dropout(NDArray x, boolean training) {
    return training && dropoutRate > 0 ? Dropout.dropout(x, dropoutRate, true).head() : x;
  }

  private NDArray value(ParameterStore ps, String name, Device device, boolean training) {
    return ps.getValue(byName.get(name), device, training);
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    Shape in = inputShapes[0];
    return new Shape[] {
      new Shape(in.get(0), in.get(1), config.hiddenSize()),
      new Shape(in.get(0), config.hiddenSize())
    };
  }

  /** Creates every parameter's array on {@code manager}. */
  public void initialize(NDManager manager) {
    initialize(manager, DataType.FLOAT32, new Shape(1, 2), new Shape(1, 2));
  }
}
