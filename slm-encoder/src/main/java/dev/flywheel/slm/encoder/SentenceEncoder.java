package dev.flywheel.slm.encoder;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.IntStream;

/**
 * Turns texts into sentence embeddings with a frozen base model: tokenise, group texts of similar
 * length into passes, run the encoder, mean-pool over the real tokens. Long texts are either
 * truncated to the maximum length or, chunked, cut into up to N windows whose embeddings are
 * averaged.
 *
 * <p>A built-in base model's unchanged weights run, on the CPU, in its publisher's original ONNX
 * graph through ONNX Runtime (checked to hold exactly those weights, and to give the DJL block's
 * embeddings within 1e-4): 2-3x faster at serving sizes. Fine-tuned weights, user directories and
 * GPUs run the DJL block. The system property {@code flywheel.encoder.onnxruntime=false} keeps
 * every encoder on the DJL block.
 *
 * <p>On the DJL block, one instance per thread; on ONNX Runtime, thread-safe. Close it to free its
 * arrays.
 */
public final class SentenceEncoder implements AutoCloseable {
  /** Most sequences in one pass. */
  private static final int BATCH = 32;

  /**
   * Most padding a pass may carry, as a fraction of its real tokens: a pass costs what its padded
   * batch costs, and serving batches mix lengths from a few tokens to the maximum.
   */
  static final double MAX_PADDING = 0.25;

  /** The engine a pass runs on. */
  public enum Engine {
    /** The publisher's ONNX graph in ONNX Runtime. */
    ONNX_RUNTIME,
    /** {@link BertEncoderBlock} on DJL's PyTorch engine. */
    DJL_PYTORCH
  }

  private final EncoderTokenizer tokenizer;
  private final int dimension;
  private final OnnxEncoder onnx; // null on the DJL block
  private final NDManager manager; // null on ONNX Runtime
  private final BertEncoderBlock block;
  private final ParameterStore ps;

  private SentenceEncoder(EncoderTokenizer tokenizer, int dimension, OnnxEncoder onnx) {
    this.tokenizer = tokenizer;
    this.dimension = dimension;
    this.onnx = onnx;
    this.manager = null;
    this.block = null;
    this.ps = null;
  }

  private SentenceEncoder(EncoderTokenizer tokenizer, NDManager manager, BertEncoderBlock block) {
    this.tokenizer = tokenizer;
    this.dimension = block.config().hiddenSize();
    this.onnx = null;
    this.manager = manager;
    this.block = block;
    this.ps = new ParameterStore(manager, false);
  }

  /** A frozen encoder of a base model on a device, truncating at {@code maxLength} tokens. */
  public static SentenceEncoder open(BaseModel base, int maxLength, Device device) {
    return open(base, base.weights(), maxLength, device);
  }

  /** As {@link #open(BaseModel, int, Device)} with other (fine-tuned) encoder weights. */
  public static SentenceEncoder open(
      BaseModel base, Map<String, Tensor> weights, int maxLength, Device device) {
    if (weights == base.weights()
        && !device.isGpu()
        && !"false".equals(System.getProperty("flywheel.encoder.onnxruntime"))) {
      Optional<OnnxEncoder> original = BaseModels.originalGraph(base);
      if (original.isPresent()) {
        return new SentenceEncoder(
            base.newTokenizer(maxLength), base.config().hiddenSize(), original.get());
      }
    }
    return openBlock(base, weights, maxLength, device);
  }

  /** The DJL block, whatever the weights and device: what the ONNX Runtime path is checked by. */
  static SentenceEncoder openBlock(
      BaseModel base, Map<String, Tensor> weights, int maxLength, Device device) {
    NDManager manager = NDManager.newBaseManager(device, "PyTorch");
    try {
      BertEncoderBlock block = new BertEncoderBlock(base.config(), weights, 0f);
      block.initialize(manager);
      block.freezeBelow(0);
      return new SentenceEncoder(base.newTokenizer(maxLength), manager, block);
    } catch (RuntimeException e) {
      manager.close();
      throw e;
    }
  }

  /** The engine its passes run on. */
  public Engine engine() {
    return onnx != null ? Engine.ONNX_RUNTIME : Engine.DJL_PYTORCH;
  }

  /** Whether several threads may use it at once. */
  public boolean threadSafe() {
    return onnx != null;
  }

  /** Its tokenizer. */
  public EncoderTokenizer tokenizer() {
    return tokenizer;
  }

  /** The embedding width. */
  public int dimension() {
    return dimension;
  }

  /** One embedding per text, each text truncated to the maximum length. */
  public float[][] embed(List<String> texts) {
    List<long[]> sequences = texts.stream().map(tokenizer::encode).toList();
    return pooled(sequences);
  }

  /**
   * One embedding per text: the mean of the embeddings of its first {@code maxWindows} windows of
   * the maximum length.
   */
  public float[][] embedChunked(List<String> texts, int maxWindows) {
    List<long[]> sequences = new ArrayList<>();
    List<Integer> owners = new ArrayList<>();
    for (int i = 0; i < texts.size(); i++) {
      for (long[] window : tokenizer.windows(texts.get(i), maxWindows)) {
        sequences.add(window);
        owners.add(i);
      }
    }
    int[] owner = owners.stream().mapToInt(Integer::intValue).toArray();
    float[][] windows = pooled(sequences);
    float[][] out = new float[texts.size()][dimension()];
    int[] counts = new int[texts.size()];
    for (int w = 0; w < windows.length; w++) {
      counts[owner[w]]++;
      for (int d = 0; d < out[owner[w]].length; d++) {
        out[owner[w]][d] += windows[w][d];
      }
    }
    for (int i = 0; i < out.length; i++) {
      for (int d = 0; d < out[i].length; d++) {
        out[i][d] /= counts[i];
      }
    }
    return out;
  }

  /** Pooled embeddings of id sequences, in their order. */
  float[][] pooled(List<long[]> sequences) {
    float[][] out = new float[sequences.size()][];
    for (int[] pass : passes(sequences)) {
      List<long[]> batch = members(sequences, pass);
      float[][] pooled;
      if (onnx != null) {
        pooled = onnx.pooled(batch);
      } else {
        try (NDManager scope = manager.newSubManager()) {
          float[] flat = block.forward(ps, padded(scope, batch), false).get(1).toFloatArray();
          pooled = new float[pass.length][];
          for (int j = 0; j < pass.length; j++) {
            pooled[j] = Arrays.copyOfRange(flat, j * dimension, (j + 1) * dimension);
          }
        }
      }
      for (int j = 0; j < pass.length; j++) {
        out[pass[j]] = pooled[j];
      }
    }
    return out;
  }

  /** Token states (L_i, H) of id sequences on the DJL block, without their padding, in order. */
  float[][][] tokenStates(List<long[]> sequences) {
    if (block == null) {
      throw new IllegalStateException("token states are read from the DJL block only");
    }
    float[][][] out = new float[sequences.size()][][];
    for (int[] pass : passes(sequences)) {
      List<long[]> batch = members(sequences, pass);
      try (NDManager scope = manager.newSubManager()) {
        NDArray states = block.forward(ps, padded(scope, batch), false).get(0);
        long length = states.getShape().get(1);
        float[] flat = states.toFloatArray();
        for (int j = 0; j < pass.length; j++) {
          int real = batch.get(j).length;
          float[][] rows = new float[real][dimension];
          for (int t = 0; t < real; t++) {
            System.arraycopy(flat, (int) ((j * length + t) * dimension), rows[t], 0, dimension);
          }
          out[pass[j]] = rows;
        }
      }
    }
    return out;
  }

  /**
   * The sequences' indices grouped into passes: shortest first, at most {@link #BATCH} to a pass,
   * and a pass's padding at most {@link #MAX_PADDING} of its real tokens (a sequence joins the pass
   * before it only if padding every member to its length stays within that).
   */
  static List<int[]> passes(List<long[]> sequences) {
    int[] order =
        IntStream.range(0, sequences.size())
            .boxed()
            .sorted(Comparator.comparingInt(i -> sequences.get(i).length))
            .mapToInt(Integer::intValue)
            .toArray();
    List<int[]> passes = new ArrayList<>();
    int from = 0;
    long real = 0;
    for (int k = 0; k < order.length; k++) {
      int length = sequences.get(order[k]).length;
      int size = k - from;
      if (size > 0
          && (size == BATCH || (size + 1L) * length > (1 + MAX_PADDING) * (real + length))) {
        passes.add(Arrays.copyOfRange(order, from, k));
        from = k;
        real = 0;
      }
      real += length;
    }
    if (from < order.length) {
      passes.add(Arrays.copyOfRange(order, from, order.length));
    }
    return passes;
  }

  /** Ids and attention mask, right-padded to the longest sequence: (B, L) each. */
  static NDList padded(NDManager manager, List<long[]> sequences) {
    Padded p = Padded.of(sequences);
    Shape shape = new Shape(sequences.size(), p.length());
    return new NDList(manager.create(p.ids(), shape), manager.create(p.mask(), shape));
  }

  /** A batch's ids and attention mask, right-padded to its longest sequence, (B, L) row-major. */
  record Padded(long[] ids, long[] mask, int length) {
    static Padded of(List<long[]> sequences) {
      int length = sequences.stream().mapToInt(s -> s.length).max().orElse(1);
      long[] ids = new long[sequences.size() * length];
      long[] mask = new long[ids.length];
      for (int i = 0; i < sequences.size(); i++) {
        long[] s = sequences.get(i);
        System.arraycopy(s, 0, ids, i * length, s.length);
        Arrays.fill(mask, i * length, i * length + s.length, 1L);
      }
      return new Padded(ids, mask, length);
    }
  }

  /** The sequences of one pass, in the pass's order. */
  private static List<long[]> members(List<long[]> sequences, int[] pass) {
    List<long[]> batch = new ArrayList<>(pass.length);
    for (int i : pass) {
      batch.add(sequences.get(i));
    }
    return batch;
  }

  @Override
  public void close() {
    tokenizer.close();
    if (manager != null) {
      manager.close(); // the ONNX Runtime session is the base model's, shared
    }
  }
}
