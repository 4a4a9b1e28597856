package dev.flywheel.slm.encoder;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * Turns texts into sentence embeddings with a frozen base model: tokenise, batch texts of similar
 * length, run the encoder, mean-pool over the real tokens. Long texts are either truncated to the
 * maximum length or, chunked, cut into up to N windows whose embeddings are averaged. One instance
 * per thread; close it to free its arrays.
 */
public final class SentenceEncoder implements AutoCloseable {
  private static final int BATCH = 32;

  private final EncoderTokenizer tokenizer;
  private final NDManager manager;
  private final BertEncoderBlock block;
  private final ParameterStore ps;

  private SentenceEncoder(EncoderTokenizer tokenizer, NDManager manager, BertEncoderBlock block) {
    this.tokenizer = tokenizer;
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

  /** Its tokenizer. */
  public EncoderTokenizer tokenizer() {
    return tokenizer;
  }

  /** The embedding width. */
  public int dimension() {
    return block.config().hiddenSize();
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
    forEachBatch(
        sequences,
        (indices, result) -> {
          float[] flat = result.get(1).toFloatArray();
          int dim = dimension();
          for (int j = 0; j < indices.length; j++) {
            float[] row = new float[dim];
            System.arraycopy(flat, j * dim, row, 0, dim);
            out[indices[j]] = row;
          }
        });
    return out;
  }

  /** Token states (L_i, H) of id sequences, without their padding, in their order. */
  float[][][] tokenStates(List<long[]> sequences) {
    float[][][] out = new float[sequences.size()][][];
    forEachBatch(
        sequences,
        (indices, result) -> {
          NDArray states = result.get(0);
          int dim = dimension();
          long length = states.getShape().get(1);
          float[] flat = states.toFloatArray();
          for (int j = 0; j < indices.length; j++) {
            int real = sequences.get(indices[j]).length;
            float[][] rows = new float[real][dim];
            for (int t = 0; t < real; t++) {
              System.arraycopy(flat, (int) ((j * length + t) * dim), rows[t], 0, dim);
            }
            out[indices[j]] = rows;
          }
        });
    return out;
  }

  private interface BatchResult {
    void accept(int[] indices, NDList result);
  }

  private void forEachBatch(List<long[]> sequences, BatchResult consumer) {
    int[] order =
        IntStream.range(0, sequences.size())
            .boxed()
            .sorted(Comparator.comparingInt(i -> sequences.get(i).length))
            .mapToInt(Integer::intValue)
            .toArray();
    for (int start = 0; start < order.length; start += BATCH) {
      int[] indices =
          java.util.Arrays.copyOfRange(order, start, Math.min(order.length, start + BATCH));
      List<long[]> batch = new ArrayList<>();
      for (int i : indices) {
        batch.add(sequences.get(i));
      }
      try (NDManager scope = manager.newSubManager()) {
        NDList result = block.forward(ps, padded(scope, batch), false);
        consumer.accept(indices, result);
      }
    }
  }

  /** Ids and attention mask, right-padded to the longest sequence: (B, L) each. */
  static NDList padded(NDManager manager, List<long[]> sequences) {
    int length = sequences.stream().mapToInt(s -> s.length).max().orElse(1);
    long[] ids = new long[sequences.size() * length];
    long[] mask = new long[ids.length];
    for (int i = 0; i < sequences.size(); i++) {
      long[] s = sequences.get(i);
      System.arraycopy(s, 0, ids, i * length, s.length);
      java.util.Arrays.fill(mask, i * length, i * length + s.length, 1L);
    }
    Shape shape = new Shape(sequences.size(), length);
    return new NDList(manager.create(ids, shape), manager.create(mask, shape));
  }

  @Override
  public void close() {
    tokenizer.close();
    manager.close();
  }
}
