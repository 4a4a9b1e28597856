package dev.flywheel.slm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Adam restricted to the embedding rows a batch used (see {@link SparseEmbedding}); rows that a
 * batch does not touch keep their moments, and {@code [PAD]} (row 0) is never updated.
 */
final class LazyAdam implements AutoCloseable {
  private final float learningRate;
  private final NDManager manager;
  private final Map<String, NDArray[]> moments = new HashMap<>();

  LazyAdam(float learningRate, NDManager manager) {
    this.learningRate = learningRate;
    this.manager = manager;
  }

  /** Applies one step ({@code step} counts from 1) for every lookup of a forward pass. */
  void update(SparseEmbedding.Sink sink, long step, NDManager scratch) {
    Map<String, RowGradients> byTable = new HashMap<>();
    for (SparseEmbedding.Entry e : sink.entries) {
      NDArray grad = e.vectors().getGradient();
      float[] g = grad.toFloatArray();
      grad.close();
      int[] ids = e.ids().toType(DataType.INT32, false).toIntArray();
      int dim = (int) e.table().getShape().get(1);
      byTable
          .computeIfAbsent(e.table().getId(), k -> new RowGradients(e.table().getArray(), dim))
          .add(ids, g);
    }
    float stepSize = RowAdam.stepSize(learningRate, step);
    for (Map.Entry<String, RowGradients> t : byTable.entrySet()) {
      RowGradients rows = t.getValue();
      if (rows.count == 0) {
        continue;
      }
      NDArray weight = rows.weight;
      NDArray[] mv =
          moments.computeIfAbsent(
              t.getKey(),
              k ->
                  new NDArray[] {
                    manager.zeros(weight.getShape()), manager.zeros(weight.getShape())
                  });
      NDIndex index = new NDIndex("{}", scratch.create(rows.rowIds()));
      NDArray g = scratch.create(rows.sums(), new Shape(rows.count, rows.dim));
      RowAdam.update(weight, mv[0], mv[1], index, g, stepSize, scratch);
    }
  }

  @Override
  public void close() {
    moments
        .values()
        .forEach(
            mv -> {
              mv[0].close();
              mv[1].close();
            });
    moments.clear();
  }

  /** Sums of per-position gradients per distinct row. */
  private static final class RowGradients {
    final NDArray weight;
    final int dim;
    final Map<Integer, Integer> slot = new HashMap<>();
    float[] sums = new float[0];
    int count;
    final List<Integer> rowIds = new ArrayList<>();

    RowGradients(NDArray weight, int dim) {
      this.weight = weight;
      this.dim = dim;
    }

    void add(int[] ids, float[] g) {
      for (int p = 0; p < ids.length; p++) {
        int id = ids[p];
        if (id == Tokenizer.PAD_ID) {
          continue;
        }
        Integer s = slot.get(id);
        if (s == null) {
          s = count++;
          slot.put(id, s);
          rowIds.add(id);
          if (sums.length < count * dim) {
            sums = Arrays.copyOf(sums, Math.max(count * dim, sums.length * 2));
          }
        }
        int base = s * dim;
        int from = p * dim;
        for (int k = 0; k < dim; k++) {
          sums[base + k] += g[from + k];
        }
      }
    }

    long[] rowIds() {
      long[] out = new long[count];
      for (int i = 0; i < count; i++) {
        out[i] = rowIds.get(i);
      }
      return out;
    }

    float[] sums() {
      return Arrays.copyOf(sums, count * dim);
    }
  }
}
