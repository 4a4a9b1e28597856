package dev.flywheel.slm.encoder;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the weights of an exported BERT-family ONNX model: a minimal protobuf reader for the few
 * fields needed ({@code ModelProto.graph} = 7; {@code GraphProto.node} = 1, {@code initializer} =
 * 5; {@code NodeProto.input} = 1, {@code output} = 2, {@code op_type} = 4; {@code TensorProto.dims}
 * = 1, {@code data_type} = 2, {@code float_data} = 4, {@code name} = 8, {@code raw_data} = 9).
 *
 * <p>Biases and layer norms keep their BERT names, but the exporter leaves the matrix weights
 * unnamed ({@code onnx::MatMul_787}) and stored {@code [in, out]}. {@link #bertWeights} names each
 * one after the {@code Add} that consumes its {@code MatMul}'s output: that Add's other input is
 * {@code <layer>.bias}, so the matrix is {@code <layer>.weight}; it is transposed to the {@code
 * [out, in]} layout of Hugging Face checkpoints.
 */
public final class OnnxInitializers {
  private static final int FLOAT = 1;

  /** A graph node: its operator and the names of its inputs and outputs. */
  record Node(String opType, List<String> inputs, List<String> outputs) {}

  /** The float initializers by name, and the nodes, in file order. */
  record Graph(Map<String, Tensor> initializers, List<Node> nodes) {}

  private OnnxInitializers() {}

  /**
   * The weights of a BERT ONNX export under their Hugging Face names and layout.
   *
   * @param source names the file in error messages
   * @throws WeightFormatException when the file is not a readable ONNX model or a matrix cannot be
   *     named
   */
  public static Map<String, Tensor> bertWeights(byte[] onnx, String source) {
    Graph graph = read(onnx, source);
    Map<String, Tensor> named = new LinkedHashMap<>();
    Map<String, Node> consumerAdd = new LinkedHashMap<>();
    for (Node node : graph.nodes()) {
      if (node.opType().equals("Add")) {
        for (String input : node.inputs()) {
          consumerAdd.put(input, node);
        }
      }
    }
    for (Map.Entry<String, Tensor> e : graph.initializers().entrySet()) {
      if (!e.getKey().startsWith("onnx::")) {
        named.put(e.getKey(), e.getValue());
      }
    }
    for (Node node : graph.nodes()) {
      if (!node.opType().equals("MatMul") || node.inputs().size() != 2) {
        continue;
      }
      Tensor matrix = graph.initializers().get(node.inputs().get(1));
      if (matrix == null || !matrix.name().startsWith("onnx::")) {
        continue;
      }
      Node add = consumerAdd.get(node.outputs().get(0));
      String bias = add == null ? null : biasInput(add, graph);
      if (bias == null) {
        throw new WeightFormatException(
            source + ": matrix " + matrix.name() + " feeds no Add with a named .bias input");
      }
      String weightName = bias.substring(0, bias.length() - ".bias".length()) + ".weight";
      if (named.put(weightName, matrix.transposed(weightName)) != null) {
        throw new WeightFormatException(source + ": two matrices would be named " + weightName);
      }
    }
    return named;
  }

  private static String biasInput(Node add, Graph graph) {
    for (String input : add.inputs()) {
      if (input.endsWith(".bias") && graph.initializers().containsKey(input)) {
        return input;
      }
    }
    return null;
  }

  /** Reads the graph's nodes and float initializers. */
  static Graph read(byte[] onnx, String source) {
    try {
      Reader model = new Reader(ByteBuffer.wrap(onnx));
      Map<String, Tensor> initializers = new LinkedHashMap<>();
      List<Node> nodes = new ArrayList<>();
      boolean sawGraph = false;
      while (model.more()) {
        int tag = model.varint32();
        if (tag >>> 3 == 7 && (tag & 7) == 2) {
          sawGraph = true;
          Reader graph = model.message();
          while (graph.more()) {
            int gtag = graph.varint32();
            if (gtag >>> 3 == 1 && (gtag & 7) == 2) {
              nodes.add(node(graph.message()));
            } else if (gtag >>> 3 == 5 && (gtag & 7) == 2) {
              Tensor t = tensor(graph.message(), source);
              if (t != null) {
                initializers.put(t.name(), t);
              }
            } else {
              graph.skip(gtag);
            }
          }
        } else {
          model.skip(tag);
        }
      }
      if (!sawGraph) {
        throw new WeightFormatException(source + ": no ONNX graph (not an ONNX model?)");
      }
      return new Graph(initializers, nodes);
    } catch (RuntimeException e) {
      if (e instanceof WeightFormatException) {
        throw e;
      }
      throw new WeightFormatException(
          source + ": not a readable ONNX model (truncated or corrupt): " + e, e);
    }
  }

  private static Node node(Reader r) {
    List<String> inputs = new ArrayList<>();
    List<String> outputs = new ArrayList<>();
    String op = "";
    while (r.more()) {
      int tag = r.varint32();
      switch (tag) {
        case (1 << 3) | 2 -> inputs.add(r.string());
        case (2 << 3) | 2 -> outputs.add(r.string());
        case (4 << 3) | 2 -> op = r.string();
        default -> r.skip(tag);
      }
    }
    return new Node(op, inputs, outputs);
  }

  /** A float tensor, or null for other element types (shape constants, ids). */
  private static Tensor tensor(Reader r, String source) {
    List<Long> dims = new ArrayList<>();
    int dataType = 0;
    String name = "";
    ByteBuffer raw = null;
    List<Float> floats = new ArrayList<>();
    while (r.more()) {
      int tag = r.varint32();
      switch (tag) {
        case (1 << 3) -> dims.add(r.varint64());
        case (1 << 3) | 2 -> {
          Reader packed = r.message();
          while (packed.more()) {
            dims.add(packed.varint64());
          }
        }
        case (2 << 3) -> dataType = r.varint32();
        case (4 << 3) | 2 -> {
          Reader packed = r.message();
          while (packed.more()) {
            floats.add(packed.float32());
          }
        }
        case (4 << 3) | 5 -> floats.add(r.float32());
        case (8 << 3) | 2 -> name = r.string();
        case (9 << 3) | 2 -> raw = r.bytes();
        case (14 << 3) -> {
          if (r.varint32() == 1) {
            throw new WeightFormatException(
                source + ": tensor " + name + " keeps its data outside the file (unsupported)");
          }
        }
        default -> r.skip(tag);
      }
    }
    if (dataType != FLOAT) {
      return null;
    }
    long[] shape = dims.stream().mapToLong(Long::longValue).toArray();
    float[] data;
    if (raw != null) {
      data = new float[raw.remaining() / 4];
      raw.order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(data);
    } else {
      data = new float[floats.size()];
      for (int i = 0; i < data.length; i++) {
        data[i] = floats.get(i);
      }
    }
    return new Tensor(name, shape, data);
  }

  /** Protobuf wire-format reading over a slice of the file. */
  private static final class Reader {
    private final ByteBuffer buf;

    Reader(ByteBuffer buf) {
      this.buf = buf.order(ByteOrder.LITTLE_ENDIAN);
    }

    boolean more() {
      return buf.hasRemaining();
    }

    long varint64() {
      long result = 0;
      for (int shift = 0; shift < 64; shift += 7) {
        byte b = buf.get();
        result |= (long) (b & 0x7f) << shift;
        if ((b & 0x80) == 0) {
          return result;
        }
      }
      throw new IllegalStateException("malformed varint");
    }

    int varint32() {
      return (int) varint64();
    }

    float float32() {
      return buf.getFloat();
    }

    Reader message() {
      return new Reader(bytes());
    }

    ByteBuffer bytes() {
      int length = Math.toIntExact(varint64());
      if (length < 0 || length > buf.remaining()) {
        throw new IllegalStateException(
            "field of " + length + " bytes with " + buf.remaining() + " left");
      }
      ByteBuffer slice = buf.slice(buf.position(), length);
      buf.position(buf.position() + length);
      return slice;
    }

    String string() {
      ByteBuffer b = bytes();
      byte[] out = new byte[b.remaining()];
      b.get(out);
      return new String(out, StandardCharsets.UTF_8);
    }

    void skip(int tag) {
      switch (tag & 7) {
        case 0 -> varint64();
        case 1 -> buf.position(buf.position() + 8);
        case 2 -> bytes();
        case 5 -> buf.position(buf.position() + 4);
        default -> throw new IllegalStateException("unsupported wire type " + (tag & 7));
      }
    }
  }
}
