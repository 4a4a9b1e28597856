package dev.flywheel.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TextsTest {
  @Test
  void shouldFindNoVisibleContentInWhitespaceZeroWidthOrFillerCharacters() {
    assertThat(Texts.hasVisibleContent(null)).isFalse();
    assertThat(Texts.hasVisibleContent("")).isFalse();
    assertThat(Texts.hasVisibleContent(" \t\n\u00a0\u3000")).isFalse();
    assertThat(Texts.hasVisibleContent("\u200b\u200c\u200d\u2060\ufeff")).isFalse();
    assertThat(Texts.hasVisibleContent("\u00ad\u034f\u3164\u2800\ufe0f")).isFalse();
    assertThat(Texts.hasVisibleContent("\u0000\u001b")).isFalse();
  }

  @Test
  void shouldFindVisibleContentInOrdinaryTextOfAnyScript() {
    assertThat(Texts.hasVisibleContent("a")).isTrue();
    assertThat(Texts.hasVisibleContent("\u200b ok \u200b")).isTrue();
    assertThat(Texts.hasVisibleContent("模型")).isTrue();
    assertThat(Texts.hasVisibleContent("\ud83d\ude00")).as("an emoji").isTrue();
    assertThat(Texts.hasVisibleContent("é")).isTrue();
  }

  @Test
  void shouldFindUnpairedSurrogatesButNotPairs() {
    assertThat(Texts.hasUnpairedSurrogate("\ud800")).isTrue();
    assertThat(Texts.hasUnpairedSurrogate("a\udc00b")).isTrue();
    assertThat(Texts.hasUnpairedSurrogate("\ude00\ud83d")).as("a pair in the wrong order").isTrue();
    assertThat(Texts.hasUnpairedSurrogate("x\ud83d")).isTrue();
    assertThat(Texts.hasUnpairedSurrogate("\ud83d\ude00 fine")).isFalse();
    assertThat(Texts.hasUnpairedSurrogate("")).isFalse();
  }
}
