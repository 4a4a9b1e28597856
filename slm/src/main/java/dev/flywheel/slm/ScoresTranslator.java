package dev.flywheel.slm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.translate.NoBatchifyTranslator;
import ai.djl.translate.TranslatorContext;

/** Feature rows in, class probabilities out; the caller batches, so DJL's batchifier is off. */
final class ScoresTranslator implements NoBatchifyTranslator<int[][], float[][]> {

  @Override
  public NDList processInput(TranslatorContext ctx, int[][] rows) {
    int width = rows[0].length;
    int[] flat = new int[rows.length * width];
    for (int i = 0; i < rows.length; i++) {
      System.arraycopy(rows[i], 0, flat, i * width, width);
    }
    return new NDList(ctx.getNDManager().create(flat, new Shape(rows.length, width)));
  }

  @Override
  public float[][] processOutput(TranslatorContext ctx, NDList list) {
    NDArray probabilities = list.head().softmax(1);
    int n = (int) probabilities.getShape().get(0);
    int c = (int) probabilities.getShape().get(1);
    float[] flat = probabilities.toFloatArray();
    float[][] out = new float[n][c];
    for (int i = 0; i < n; i++) {
      System.arraycopy(flat, i * c, out[i], 0, c);
    }
    return out;
  }
}
