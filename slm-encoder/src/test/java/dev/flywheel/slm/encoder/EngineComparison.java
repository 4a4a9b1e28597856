package dev.flywheel.slm.encoder;

import ai.djl.Device;
import ai.djl.pytorch.jni.JniUtils;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.flywheel.slm.Example;
import dev.flywheel.slm.data.WordNetTopics;
import dev.flywheel.slm.store.FileArtifactStore;
import java.io.InputStream;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Where the frozen encoder's serving time goes (bench/README.md, "Predict through the gateway"):
 * the DJL block against ONNX Runtime on the original ONNX file, one intra-op thread each, batches
 * of 1 and 16 WordNet definitions, interleaved rounds in one JVM; tokenisation alone; and the
 * floating-point work done per second. Run with bench/encoder/run.sh and
 * BENCH_MAIN=dev.flywheel.slm.encoder.EngineComparison [texts=512] [rounds=3].
 */
public final class EngineComparison {
  private EngineComparison() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> o = new HashMap<>(Map.of("texts", "512", "rounds", "3"));
    for (String a : args) {
      String[] kv = a.split("=", 2);
      o.put(kv[0], kv[1]);
    }
    List<String> texts =
        WordNetTopics.load(WordNetTopics.Variant.TOPICS_8).stream()
            .map(Example::text)
            .limit(Integer.parseInt(o.get("texts")))
            .toList();
    BaseModel base =
        new BaseModels(new FileArtifactStore(Files.createTempDirectory("engines")))
            .builtIn("minilm-l6");
    try (SentenceEncoder djl = SentenceEncoder.openBlock(base, base.weights(), 128, Device.cpu());
        Ort ort = new Ort("all-minilm-l6-v2.onnx")) {
      JniUtils.setGradMode(false); // the engine is loaded now
      List<long[]> ids = texts.stream().map(djl.tokenizer()::encode).toList();
      double tokens = ids.stream().mapToInt(a -> a.length).average().orElse(0);
      // 2 x the non-embedding weights per token, plus attention (small at these lengths).
      double flopsPerToken = 2.0 * nonEmbeddingParameters(base.config());
      System.out.printf(
          Locale.ROOT,
          "%d texts, %.1f tokens each on average; %.1f MFLOP per token%n",
          ids.size(),
          tokens,
          flopsPerToken / 1e6);
      for (int round = 1; round <= Integer.parseInt(o.get("rounds")); round++) {
        long t0 = System.nanoTime();
        for (String t : texts) {
          djl.tokenizer().encode(t);
        }
        report(round, "tokenise only", 1, ids.size(), t0, tokens, 0);
        for (int batch : new int[] {1, 16}) {
          t0 = System.nanoTime();
          for (int from = 0; from < ids.size(); from += batch) {
            djl.pooled(ids.subList(from, Math.min(ids.size(), from + batch)));
          }
          report(round, "DJL PyTorch", batch, ids.size(), t0, tokens, flopsPerToken);
          t0 = System.nanoTime();
          for (int from = 0; from < ids.size(); from += batch) {
            ort.run(ids.subList(from, Math.min(ids.size(), from + batch)));
          }
          report(round, "ONNX Runtime", batch, ids.size(), t0, tokens, flopsPerToken);
        }
      }
    }
  }

  private static long nonEmbeddingParameters(BertConfig c) {
    long h = c.hiddenSize();
    long perLayer = 4 * h * h + 4 * h + 2 * h * c.intermediateSize() + c.intermediateSize() + h;
    return c.layers() * perLayer;
  }

  private static void report(
      int round, String what, int batch, int n, long t0, double tokens, double flopsPerToken) {
    double seconds = (System.nanoTime() - t0) / 1e9;
    System.out.printf(
        Locale.ROOT,
        "round %d  %-14s batch %2d: %7.0f texts/s, %6.2f ms per batch%s%n",
        round,
        what,
        batch,
        n / seconds,
        1000 * seconds / Math.ceil((double) n / batch),
        flopsPerToken == 0
            ? ""
            : String.format(
                Locale.ROOT, ", %.1f GFLOP/s", n * tokens * flopsPerToken / seconds / 1e9));
  }

  /** ONNX Runtime on one thread, batches right-padded as the DJL encoder pads them. */
  private static final class Ort implements AutoCloseable {
    private final OrtEnvironment env = OrtEnvironment.getEnvironment();
    private final OrtSession session;

    Ort(String resource) throws Exception {
      byte[] model;
      try (InputStream in = EngineComparison.class.getClassLoader().getResourceAsStream(resource)) {
        model = in.readAllBytes();
      }
      try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
        options.setIntraOpNumThreads(1);
        options.setInterOpNumThreads(1);
        options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
        session = env.createSession(model, options);
      }
    }

    void run(List<long[]> sequences) throws Exception {
      int length = sequences.stream().mapToInt(s -> s.length).max().orElse(1);
      long[][] ids = new long[sequences.size()][length];
      long[][] mask = new long[sequences.size()][length];
      long[][] types = new long[sequences.size()][length];
      for (int i = 0; i < sequences.size(); i++) {
        System.arraycopy(sequences.get(i), 0, ids[i], 0, sequences.get(i).length);
        java.util.Arrays.fill(mask[i], 0, sequences.get(i).length, 1L);
      }
      List<OnnxTensor> open = new ArrayList<>();
      Map<String, OnnxTensor> inputs = new HashMap<>();
      try {
        for (String name : session.getInputNames()) {
          OnnxTensor t =
              OnnxTensor.createTensor(
                  env,
                  switch (name) {
                    case "input_ids" -> ids;
                    case "attention_mask" -> mask;
                    default -> types;
                  });
          open.add(t);
          inputs.put(name, t);
        }
        session.run(inputs).close();
      } finally {
        for (OnnxTensor t : open) {
          t.close();
        }
      }
    }

    @Override
    public void close() throws Exception {
      session.close();
    }
  }
}
