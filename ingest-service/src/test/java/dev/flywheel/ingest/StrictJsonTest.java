package dev.flywheel.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigInteger;
import org.junit.jupiter.api.Test;

class StrictJsonTest {
  @Test
  void shouldReadObjectsArraysAndScalarsAsVertxJson() throws Exception {
    Object value =
        StrictJson.parse(
            "{\"a\":[1,2.5,\"x\",true,null,{\"b\":false}],\"big\":9223372036854775808}");

    assertThat(value).isInstanceOf(JsonObject.class);
    JsonObject json = (JsonObject) value;
    JsonArray array = json.getJsonArray("a");
    assertThat(array.getValue(0)).isEqualTo(1);
    assertThat(array.getValue(1)).isEqualTo(2.5);
    assertThat(array.getJsonObject(5).getBoolean("b")).isFalse();
    assertThat(json.getValue("big")).isEqualTo(new BigInteger("9223372036854775808"));
    assertThat(StrictJson.parse("[]")).isInstanceOf(JsonArray.class);
    assertThat(StrictJson.parse("1.0")).as("a fraction stays a fraction").isEqualTo(1.0);
  }

  @Test
  void shouldRefuseAKeyGivenTwiceAtAnyDepth() {
    assertThatThrownBy(() -> StrictJson.parse("{\"label\":\"a\",\"label\":\"b\"}"))
        .isInstanceOf(StrictJson.Invalid.class)
        .hasMessageContaining("duplicate key")
        .hasMessageContaining("label");
    assertThatThrownBy(() -> StrictJson.parse("[{\"x\":{\"k\":1,\"k\":1}}]"))
        .isInstanceOf(StrictJson.Invalid.class)
        .hasMessageContaining("duplicate key");
  }

  @Test
  void shouldRefuseUnpairedSurrogatesInValuesAndKeys() {
    assertThatThrownBy(() -> StrictJson.parse("{\"text\":\"a\\ud800b\"}"))
        .isInstanceOf(StrictJson.Invalid.class)
        .hasMessageContaining("surrogate")
        .hasMessageContaining("/text");
    assertThatThrownBy(() -> StrictJson.parse("{\"\\udc00\":1}"))
        .isInstanceOf(StrictJson.Invalid.class)
        .hasMessageContaining("surrogate");
  }

  @Test
  void shouldAcceptEscapedSurrogatePairs() throws Exception {
    assertThat(((JsonObject) StrictJson.parse("{\"t\":\"\\ud83d\\ude00\"}")).getString("t"))
        .isEqualTo("\ud83d\ude00");
  }

  @Test
  void shouldRefuseMalformedTrailingAndTooDeeplyNestedJson() {
    assertThatThrownBy(() -> StrictJson.parse("{\"a\":")).isInstanceOf(StrictJson.Invalid.class);
    assertThatThrownBy(() -> StrictJson.parse("{} {}")).isInstanceOf(StrictJson.Invalid.class);
    assertThatThrownBy(() -> StrictJson.parse("+1")).isInstanceOf(StrictJson.Invalid.class);
    assertThatThrownBy(() -> StrictJson.parse("")).isInstanceOf(StrictJson.Invalid.class);
    String deep = "[".repeat(StrictJson.MAX_DEPTH + 1) + "]".repeat(StrictJson.MAX_DEPTH + 1);
    assertThatThrownBy(() -> StrictJson.parse(deep)).isInstanceOf(StrictJson.Invalid.class);
  }
}
