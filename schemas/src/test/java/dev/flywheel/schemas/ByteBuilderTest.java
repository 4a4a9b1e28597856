package dev.flywheel.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ByteBuilderTest {
  @Test
  void shouldWriteWhatADataOutputStreamOverAByteArrayWrites() throws IOException {
    Random random = new Random(7);
    ByteBuilder built = new ByteBuilder(1);
    ByteArrayOutputStream expected = new ByteArrayOutputStream();
    DataOutputStream data = new DataOutputStream(expected);
    for (int i = 0; i < 2_000; i++) {
      switch (random.nextInt(3)) {
        case 0 -> {
          int b = random.nextInt();
          built.write(b);
          data.write(b);
        }
        case 1 -> {
          int value = random.nextInt();
          built.writeInt(value);
          data.writeInt(value);
        }
        default -> {
          byte[] chunk = new byte[random.nextInt(300)];
          random.nextBytes(chunk);
          int off = chunk.length == 0 ? 0 : random.nextInt(chunk.length);
          int len = random.nextInt(chunk.length - off + 1);
          built.write(chunk, off, len);
          data.write(chunk, off, len);
        }
      }
    }
    assertThat(built.toByteArray()).isEqualTo(expected.toByteArray());
  }
}
