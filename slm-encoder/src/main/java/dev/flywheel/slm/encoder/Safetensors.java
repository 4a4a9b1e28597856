package dev.flywheel.slm.encoder;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The {@code .safetensors} format of Hugging Face checkpoints: an 8-byte little-endian header
 * length, a JSON header mapping each tensor name to its dtype, shape and byte range, then the data.
 * Reads F32, F16 and BF16 (widened to float32); writes F32 with the names sorted, so that equal
 * weights give equal bytes (and one sha256).
 */
public final class Safetensors {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long MAX_HEADER = 100L << 20;

  private Safetensors() {}

  /**
   * Reads every floating-point tensor.
   *
   * @param source names the file in error messages
   * @throws WeightFormatException when the file is truncated or malformed
   */
  public static Map<String, Tensor> read(byte[] bytes, String source) {
    long headerLength = headerLength(bytes, source);
    Map<String, Map<String, Object>> header = header(bytes, headerLength, source);
    long dataStart = 8 + headerLength;
    Map<String, Tensor> out = new LinkedHashMap<>();
    for (Map.Entry<String, Map<String, Object>> e : header.entrySet()) {
      if (e.getKey().equals("__metadata__")) {
        continue;
      }
      Tensor tensor = tensor(bytes, dataStart, e.getKey(), e.getValue(), source);
      if (tensor != null) {
        out.put(e.getKey(), tensor);
      }
    }
    return out;
  }

  /** The length of the JSON header that follows the 8-byte length itself. */
  private static long headerLength(byte[] bytes, String source) {
    return headerLength(bytes, bytes.length, source);
  }

  /** As {@link #headerLength(byte[], String)} from a file's first bytes and its full size. */
  private static long headerLength(byte[] start, long fileSize, String source) {
    if (start.length < 8 || fileSize < 8) {
      throw new WeightFormatException(
          source + ": truncated safetensors file (" + fileSize + " bytes)");
    }
    long headerLength = ByteBuffer.wrap(start).order(ByteOrder.LITTLE_ENDIAN).getLong();
    if (headerLength <= 0 || headerLength > MAX_HEADER || 8 + headerLength > fileSize) {
      throw new WeightFormatException(
          source
              + ": truncated or corrupt safetensors file (header of "
              + headerLength
              + " bytes in a file of "
              + fileSize
              + ")");
    }
    return headerLength;
  }

  /**
   * How many bytes from the start of a file of {@code fileSize} bytes hold its header, judged from
   * its first 8 bytes; read that many and pass them to {@link #declaredShapes}.
   *
   * @throws WeightFormatException when the length is implausible for the file
   */
  public static int headerEnd(byte[] first8, long fileSize, String source) {
    return (int) (8 + headerLength(first8, fileSize, source));
  }

  /**
   * The shapes of the floating-point tensors a file's header declares, after checking without the
   * data that every tensor's bytes lie within the file: a cheap check of a large file before it is
   * read whole.
   *
   * @param start the file's first {@link #headerEnd} bytes (or more)
   * @throws WeightFormatException when the header is malformed or the file is truncated
   */
  public static Map<String, long[]> declaredShapes(byte[] start, long fileSize, String source) {
    long headerLength = headerLength(start, fileSize, source);
    if (8 + headerLength > start.length) {
      throw new IllegalArgumentException("the header needs " + (8 + headerLength) + " bytes");
    }
    long dataLength = fileSize - 8 - headerLength;
    Map<String, long[]> shapes = new LinkedHashMap<>();
    for (Map.Entry<String, Map<String, Object>> e :
        header(start, headerLength, source).entrySet()) {
      if (e.getKey().equals("__metadata__")) {
        continue;
      }
      checkRange(e.getKey(), e.getValue(), dataLength, source);
      String dtype = String.valueOf(e.getValue().get("dtype"));
      if (dtype.equals("F32") || dtype.equals("F16") || dtype.equals("BF16")) {
        shapes.put(e.getKey(), longs(e.getValue().get("shape"), source, e.getKey()));
      }
    }
    return shapes;
  }

  private static long[] checkRange(
      String name, Map<String, Object> entry, long dataLength, String source) {
    long[] range = longs(entry.get("data_offsets"), source, name);
    if (range.length != 2 || range[0] < 0 || range[1] < range[0]) {
      throw new WeightFormatException(source + ": tensor " + name + " has bad data_offsets");
    }
    if (range[1] > dataLength) {
      throw new WeightFormatException(
          source
              + ": truncated safetensors file: tensor "
              + name
              + " ends at byte "
              + range[1]
              + " of the data but only "
              + dataLength
              + " are present");
    }
    return range;
  }

  private static Map<String, Map<String, Object>> header(
      byte[] bytes, long headerLength, String source) {
    try {
      return JSON.readValue(
          new String(bytes, 8, (int) headerLength, StandardCharsets.UTF_8),
          new TypeReference<LinkedHashMap<String, Map<String, Object>>>() {});
    } catch (IOException e) {
      throw new WeightFormatException(
          source + ": corrupt safetensors header: " + e.getMessage(), e);
    }
  }

  /**
   * The tensor a header entry describes, or null when its dtype is not a floating-point one read.
   */
  private static Tensor tensor(
      byte[] bytes, long dataStart, String name, Map<String, Object> entry, String source) {
    long dataLength = bytes.length - dataStart;
    String dtype = String.valueOf(entry.get("dtype"));
    long[] shape = longs(entry.get("shape"), source, name);
    long[] range = checkRange(name, entry, dataLength, source);
    ByteBuffer data =
        ByteBuffer.wrap(bytes, (int) (dataStart + range[0]), (int) (range[1] - range[0]))
            .slice()
            .order(ByteOrder.LITTLE_ENDIAN);
    float[] values = decode(dtype, data, source, name);
    return values == null ? null : new Tensor(name, shape, values);
  }

  private static float[] decode(String dtype, ByteBuffer data, String source, String name) {
    switch (dtype) {
      case "F32" -> {
        float[] v = new float[data.remaining() / 4];
        data.asFloatBuffer().get(v);
        return v;
      }
      case "F16" -> {
        float[] v = new float[data.remaining() / 2];
        for (int i = 0; i < v.length; i++) {
          v[i] = halfToFloat(data.getShort());
        }
        return v;
      }
      case "BF16" -> {
        float[] v = new float[data.remaining() / 2];
        for (int i = 0; i < v.length; i++) {
          v[i] = Float.intBitsToFloat((data.getShort() & 0xffff) << 16);
        }
        return v;
      }
      case "I64", "I32", "I16", "I8", "U8", "BOOL" -> {
        return null; // position ids and other buffers, not weights
      }
      default ->
          throw new WeightFormatException(
              source + ": tensor " + name + " has unsupported dtype " + dtype);
    }
  }

  /** IEEE 754 binary16 to float (Float.float16ToFloat needs Java 20). */
  static float halfToFloat(short half) {
    int h = half & 0xffff;
    int sign = (h & 0x8000) << 16;
    int exponent = (h >>> 10) & 0x1f;
    int mantissa = h & 0x3ff;
    if (exponent == 0x1f) {
      return Float.intBitsToFloat(sign | 0x7f800000 | (mantissa << 13));
    }
    if (exponent == 0) {
      float magnitude = mantissa * 0x1p-24f;
      return sign == 0 ? magnitude : -magnitude;
    }
    return Float.intBitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
  }

  private static long[] longs(Object value, String source, String name) {
    if (!(value instanceof List<?> list)) {
      throw new WeightFormatException(source + ": tensor " + name + " has no shape/offsets");
    }
    long[] out = new long[list.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = ((Number) list.get(i)).longValue();
    }
    return out;
  }

  /**
   * Writes tensors as F32, sorted by name, with no metadata: the same weights give the same bytes.
   */
  public static byte[] write(Collection<Tensor> tensors) {
    Map<String, Tensor> sorted = new TreeMap<>();
    for (Tensor t : tensors) {
      sorted.put(t.name(), t);
    }
    Map<String, Object> header = new LinkedHashMap<>();
    long offset = 0;
    for (Tensor t : sorted.values()) {
      Map<String, Object> entry = new LinkedHashMap<>();
      entry.put("dtype", "F32");
      List<Long> shape = new ArrayList<>();
      for (long d : t.shape()) {
        shape.add(d);
      }
      entry.put("shape", shape);
      entry.put("data_offsets", List.of(offset, offset + 4L * t.data().length));
      offset += 4L * t.data().length;
      header.put(t.name(), entry);
    }
    byte[] json;
    try {
      json = JSON.writeValueAsBytes(header);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    int padded = (json.length + 7) / 8 * 8;
    ByteArrayOutputStream out = new ByteArrayOutputStream((int) (8 + padded + offset));
    ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
    head.putLong(padded).put(json);
    while (head.hasRemaining()) {
      head.put((byte) ' ');
    }
    out.writeBytes(head.array());
    ByteBuffer chunk = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
    for (Tensor t : sorted.values()) {
      for (float f : t.data()) {
        if (!chunk.hasRemaining()) {
          out.write(chunk.array(), 0, chunk.position());
          chunk.clear();
        }
        chunk.putFloat(f);
      }
    }
    out.write(chunk.array(), 0, chunk.position());
    return out.toByteArray();
  }
}
