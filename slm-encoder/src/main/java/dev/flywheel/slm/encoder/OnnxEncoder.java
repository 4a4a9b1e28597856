package dev.flywheel.slm.encoder;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A frozen base encoder running its publisher's original ONNX graph in ONNX Runtime, on the CPU:
 * mean-pooled sentence embeddings of padded batches, as {@link BertEncoderBlock} computes them, two
 * to three times faster than the DJL block at serving sizes. Used only when the graph's weights are
 * exactly the base model's ({@link #ifSameWeights}). One intra-op thread per pass without spinning
 * (as the PyTorch engine is run): concurrent passes each take a core. Thread-safe: callers run
 * passes concurrently on the one session.
 */
final class OnnxEncoder {
  private static final Logger LOG = LoggerFactory.getLogger(OnnxEncoder.class);
  private static final Set<String> INPUTS = Set.of("input_ids", "attention_mask", "token_type_ids");

  private final OrtEnvironment env;
  private final OrtSession session;
  private final List<String> inputs;
  private final int hidden;

  private OnnxEncoder(OrtEnvironment env, OrtSession session, List<String> inputs, int hidden) {
    this.env = env;
    this.session = session;
    this.inputs = inputs;
    this.hidden = hidden;
  }

  /**
   * The graph in ONNX Runtime when its initializers hold exactly {@code weights} (same names,
   * shapes and values) and it takes BERT's inputs and yields token states of the hidden width;
   * empty, with the reason logged, when it does not or ONNX Runtime cannot run on this platform.
   *
   * @param source names the graph in the log
   */
  static Optional<OnnxEncoder> ifSameWeights(
      byte[] onnx, Map<String, Tensor> weights, int hidden, String source) {
    String difference;
    try {
      difference = weightDifference(OnnxInitializers.bertWeights(onnx, source), weights);
    } catch (WeightFormatException e) {
      difference = e.getMessage();
    }
    if (difference != null) {
      LOG.warn("not running {} in ONNX Runtime: {}", source, difference);
      return Optional.empty();
    }
    try {
      OrtEnvironment env = OrtEnvironment.getEnvironment();
      OrtSession session;
      try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
        options.setIntraOpNumThreads(1);
        options.setInterOpNumThreads(1);
        options.addConfigEntry("session.intra_op.allow_spinning", "0");
        options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
        session = env.createSession(onnx, options);
      }
      String shape = shapeProblem(session, hidden);
      if (shape != null) {
        session.close();
        LOG.warn("not running {} in ONNX Runtime: {}", source, shape);
        return Optional.empty();
      }
      LOG.info("running {} in ONNX Runtime {}", source, env.getVersion());
      return Optional.of(
          new OnnxEncoder(env, session, List.copyOf(session.getInputNames()), hidden));
    } catch (OrtException | LinkageError | RuntimeException e) {
      LOG.warn("not running {} in ONNX Runtime: {}", source, e.toString());
      return Optional.empty();
    }
  }

  /** Null when both hold the same tensors, else the first difference. */
  static String weightDifference(Map<String, Tensor> graph, Map<String, Tensor> weights) {
    if (!graph.keySet().equals(weights.keySet())) {
      return "its weights are named " + graph.keySet() + ", the base model's " + weights.keySet();
    }
    for (Map.Entry<String, Tensor> e : weights.entrySet()) {
      Tensor g = graph.get(e.getKey());
      if (!Arrays.equals(g.shape(), e.getValue().shape())
          || !Arrays.equals(g.data(), e.getValue().data())) {
        return "its weight " + e.getKey() + " differs from the base model's";
      }
    }
    return null;
  }

  private static String shapeProblem(OrtSession session, int hidden) throws OrtException {
    if (!INPUTS.containsAll(session.getInputNames())
        || !session.getInputNames().contains("input_ids")
        || !session.getInputNames().contains("attention_mask")) {
      return "its inputs are " + session.getInputNames() + ", not BERT's " + INPUTS;
    }
    NodeInfo out = session.getOutputInfo().values().iterator().next();
    if (!(out.getInfo() instanceof TensorInfo t)
        || t.getShape().length != 3
        || t.getShape()[2] != hidden) {
      return "its first output " + out.getInfo() + " is not token states (B, L, " + hidden + ")";
    }
    return null;
  }

  /**
   * Mean-pooled embeddings (B, H) of id sequences, right-padded to the longest in one pass: pass
   * sequences of similar lengths.
   */
  float[][] pooled(List<long[]> sequences) {
    SentenceEncoder.Padded padded = SentenceEncoder.Padded.of(sequences);
    int length = padded.length();
    long[] shape = {sequences.size(), length};
    List<OnnxTensor> open = new ArrayList<>(3);
    try {
      Map<String, OnnxTensor> feed = new HashMap<>();
      for (String name : inputs) {
        long[] values =
            switch (name) {
              case "input_ids" -> padded.ids();
              case "attention_mask" -> padded.mask();
              default -> new long[padded.ids().length]; // token types: one segment
            };
        OnnxTensor t = OnnxTensor.createTensor(env, LongBuffer.wrap(values), shape);
        open.add(t);
        feed.put(name, t);
      }
      try (OrtSession.Result result = session.run(feed)) {
        FloatBuffer states = ((OnnxTensor) result.get(0)).getFloatBuffer();
        return meanPooled(states, sequences, length);
      }
    } catch (OrtException e) {
      throw new IllegalStateException("ONNX Runtime pass failed: " + e.getMessage(), e);
    } finally {
      open.forEach(OnnxTensor::close);
    }
  }

  /** The mean of each sequence's real token states (B, L, H) -> (B, H). */
  private float[][] meanPooled(FloatBuffer states, List<long[]> sequences, int length) {
    float[][] out = new float[sequences.size()][hidden];
    float[] row = new float[hidden];
    for (int i = 0; i < out.length; i++) {
      int real = sequences.get(i).length;
      double[] sum = new double[hidden];
      for (int t = 0; t < real; t++) {
        states.get(((i * length) + t) * hidden, row);
        for (int d = 0; d < hidden; d++) {
          sum[d] += row[d];
        }
      }
      for (int d = 0; d < hidden; d++) {
        out[i][d] = (float) (sum[d] / real);
      }
    }
    return out;
  }
}
