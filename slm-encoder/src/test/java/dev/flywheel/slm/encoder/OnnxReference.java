package dev.flywheel.slm.encoder;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.io.IOException;
import java.io.InputStream;
import java.util.HashMap;
import java.util.Map;

/** ONNX Runtime running an original ONNX file from the classpath: the independent reference. */
final class OnnxReference implements AutoCloseable {
  private final OrtEnvironment env = OrtEnvironment.getEnvironment();
  private final OrtSession session;

  OnnxReference(String resource) throws IOException, OrtException {
    byte[] model;
    try (InputStream in = getClass().getClassLoader().getResourceAsStream(resource)) {
      model = in.readAllBytes();
    }
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
      options.setIntraOpNumThreads(1);
      options.setInterOpNumThreads(1);
      session = env.createSession(model, options);
    }
  }

  /** Token states (L, H) of one unpadded sequence. */
  float[][] tokenStates(long[] ids) throws OrtException {
    long[][] batch = {ids};
    long[][] mask = {ones(ids.length)};
    long[][] types = {new long[ids.length]};
    Map<String, OnnxTensor> inputs = new HashMap<>();
    try (OnnxTensor i = OnnxTensor.createTensor(env, batch);
        OnnxTensor m = OnnxTensor.createTensor(env, mask);
        OnnxTensor t = OnnxTensor.createTensor(env, types)) {
      for (String name : session.getInputNames()) {
        switch (name) {
          case "input_ids" -> inputs.put(name, i);
          case "attention_mask" -> inputs.put(name, m);
          case "token_type_ids" -> inputs.put(name, t);
          default -> throw new IllegalStateException("unexpected ONNX input " + name);
        }
      }
      try (OrtSession.Result result = session.run(inputs)) {
        return ((float[][][]) result.get(0).getValue())[0];
      }
    }
  }

  private static long[] ones(int n) {
    long[] out = new long[n];
    java.util.Arrays.fill(out, 1);
    return out;
  }

  @Override
  public void close() throws OrtException {
    session.close();
  }
}
