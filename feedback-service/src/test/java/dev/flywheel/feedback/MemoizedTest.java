package dev.flywheel.feedback;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serdes;
import org.junit.jupiter.api.Test;

class MemoizedTest {
  private final Deserializer<String> deserializer = Memoized.serde(Serdes.String()).deserializer();

  @Test
  void shouldDecodeTheSameBytesOnceWhicheverArrayTheyComeIn() {
    String first = deserializer.deserialize("t", bytes("spec-a"));
    assertThat(deserializer.deserialize("t", bytes("spec-a"))).isSameAs(first);
    assertThat(deserializer.deserialize("t", bytes("spec-b"))).isEqualTo("spec-b");
    assertThat(deserializer.deserialize("t", null)).isNull();
  }

  @Test
  void shouldKeepWhatItDecodedWhenTheCallerReusesItsArray() {
    byte[] reused = bytes("spec-a");
    String first = deserializer.deserialize("t", reused);
    reused[5] = 'z';

    assertThat(deserializer.deserialize("t", reused)).isEqualTo("spec-z");
    assertThat(deserializer.deserialize("t", bytes("spec-a"))).isSameAs(first);
  }

  @Test
  void shouldDropWhatItKeptWhenFullAndStillDecodeCorrectly() {
    String first = deserializer.deserialize("t", bytes("value-0"));
    for (int i = 1; i <= Memoized.MAX_VALUES; i++) {
      assertThat(deserializer.deserialize("t", bytes("value-" + i))).isEqualTo("value-" + i);
    }
    String again = deserializer.deserialize("t", bytes("value-0"));
    assertThat(again).isEqualTo("value-0").isNotSameAs(first);
  }

  @Test
  void shouldPassOnAValueThatDecodesToNullWithoutKeepingIt() {
    Deserializer<String> nothingForEmpty =
        Memoized.serde(
                Serdes.serdeFrom(
                    Serdes.String().serializer(),
                    (topic, data) ->
                        data.length == 0 ? null : new String(data, StandardCharsets.UTF_8)))
            .deserializer();

    assertThat(nothingForEmpty.deserialize("t", new byte[0])).isNull();
    assertThat(nothingForEmpty.deserialize("t", new byte[0])).isNull();
    assertThat(nothingForEmpty.deserialize("t", bytes("x"))).isEqualTo("x");
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
