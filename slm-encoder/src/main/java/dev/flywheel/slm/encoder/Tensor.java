package dev.flywheel.slm.encoder;

import java.util.Arrays;

/**
 * A named float32 tensor held on the heap, row-major: what the weight readers produce and the
 * encoder block loads.
 *
 * @param name the weight's name, e.g. {@code encoder.layer.0.attention.self.query.weight}
 * @param shape its dimensions
 * @param data its values, {@code product(shape)} of them
 */
public record Tensor(String name, long[] shape, float[] data) {

  /** Checks that the data fills the shape. */
  public Tensor {
    long size = 1;
    for (long d : shape) {
      size *= d;
    }
    if (size != data.length) {
      throw new IllegalArgumentException(
          name
              + ": shape "
              + Arrays.toString(shape)
              + " needs "
              + size
              + " values, has "
              + data.length);
    }
  }

  /** A 2-D tensor's transpose, {@code [rows, cols] -> [cols, rows]}, under another name. */
  Tensor transposed(String newName) {
    if (shape.length != 2) {
      throw new IllegalArgumentException(name + " is not a matrix: " + Arrays.toString(shape));
    }
    int rows = (int) shape[0];
    int cols = (int) shape[1];
    float[] out = new float[data.length];
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < cols; c++) {
        out[c * rows + r] = data[r * cols + c];
      }
    }
    return new Tensor(newName, new long[] {cols, rows}, out);
  }

  /** The same values under another name. */
  Tensor renamed(String newName) {
    return new Tensor(newName, shape, data);
  }

  /** Number of values. */
  public long size() {
    return data.length;
  }
}
