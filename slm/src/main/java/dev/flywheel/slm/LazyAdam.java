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
  private static final float BETA1 = 0.9f;
  private static final float BETA2 = 0.999f;
  private static final float EPSILON = 1e-8f;

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
    float correction = (float) (Math.sqrt(1 - Math.pow(BETA2, step)) / (1 - Math.pow(BETA1, step)));
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
      // Gathered rows are copies; attaching them to the scratch manager frees every temporary.
      NDArray m = mv[0].get(index);
      m.attach(scratch);
      NDArray v = mv[1].get(index);
      v.attach(scratch);
      NDArray w = weight.get(index);
      w.attach(scratch);
      m.muli(BETA1).addi(g.mul(1 - BETA1));
      v.muli(BETA2).addi(g.square().muli(1 - BETA2));
      mv[0].set(index, m);
      mv[1].set(index, v);
      w.subi(m.mul(learningRate * correction).divi(v.sqrt().addi(EPSILON)));
      weight.set(index, w);
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
