package dev.flywheel.artifacts.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;

class Sha256VerifyingInputStreamTest {
  private static final byte[] CONTENT = content();
  private static final String SHA = sha256(CONTENT);

  @Test
  void shouldPassIntactContentThrough() throws IOException {
    try (InputStream in = verifying(CONTENT)) {
      assertThat(in.readAllBytes()).isEqualTo(CONTENT);
      assertThat(in.read()).isEqualTo(-1);
    }
  }

  @Test
  void shouldFailTheReadThatReachesTheEndOfAlteredContent() throws IOException {
    byte[] altered = CONTENT.clone();
    altered[1234] ^= 0x40;

    try (InputStream in = verifying(altered)) {
      assertThatThrownBy(in::readAllBytes)
          .isInstanceOf(IOException.class)
          .hasMessageContaining("corrupted")
          .hasMessageContaining("expected " + SHA);
      assertThatThrownBy(in::read).as("and every read after it").isInstanceOf(IOException.class);
    }
  }

  @Test
  void shouldFailOnTruncatedContentReadByteByByte() throws IOException {
    try (InputStream in = verifying(Arrays.copyOf(CONTENT, CONTENT.length - 1))) {
      assertThatThrownBy(
              () -> {
                while (in.read() >= 0) {
                  // drain
                }
              })
          .isInstanceOf(IOException.class)
          .hasMessageContaining((CONTENT.length - 1) + " bytes");
    }
  }

  @Test
  void shouldHashSkippedBytesSoSkippingCannotHideDamage() throws IOException {
    byte[] altered = CONTENT.clone();
    altered[10] ^= 0x01;

    try (InputStream in = verifying(altered)) {
      assertThat(in.skip(100)).isEqualTo(100);
      assertThatThrownBy(in::readAllBytes).isInstanceOf(IOException.class);
    }
    try (InputStream in = verifying(CONTENT)) {
      assertThat(in.skip(100)).isEqualTo(100);
      assertThat(in.readAllBytes()).isEqualTo(Arrays.copyOfRange(CONTENT, 100, CONTENT.length));
    }
  }

  private static InputStream verifying(byte[] bytes) {
    return new Sha256VerifyingInputStream(new ByteArrayInputStream(bytes), SHA, "s3://b/x.zip");
  }

  private static byte[] content() {
    byte[] b = new byte[20_000];
    new Random(1).nextBytes(b);
    return b;
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
