package dev.flywheel.slm;

import java.util.ArrayList;
import java.util.List;

/** Small synthetic corpora for fast tests. */
final class TestData {
  private TestData() {}

  /** Three clearly separable labels, {@code perLabel} examples each. */
  static List<Example> topics(int perLabel) {
    String[][] words = {
      {"dog", "cat", "horse", "bird", "fish", "animal", "fur", "paws", "tail", "wild"},
      {"car", "engine", "wheel", "road", "truck", "brake", "fuel", "drive", "motor", "garage"},
      {"bread", "cheese", "apple", "soup", "cake", "sugar", "eat", "meal", "taste", "cook"}
    };
    String[] labels = {"animal", "vehicle", "food"};
    List<Example> out = new ArrayList<>();
    java.util.Random random = new java.util.Random(7);
    for (int l = 0; l < labels.length; l++) {
      for (int i = 0; i < perLabel; i++) {
        StringBuilder text = new StringBuilder("a");
        int n = 3 + random.nextInt(5);
        for (int k = 0; k < n; k++) {
          text.append(' ').append(words[l][random.nextInt(words[l].length)]);
          if (random.nextInt(3) == 0) {
            text.append(" the");
          }
        }
        out.add(new Example(labels[l] + "-" + i, text.toString(), labels[l]));
      }
    }
    return out;
  }
}
