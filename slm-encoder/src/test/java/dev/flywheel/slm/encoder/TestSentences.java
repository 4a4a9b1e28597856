package dev.flywheel.slm.encoder;

import java.util.ArrayList;
import java.util.List;

/** Fifty sentences: English, accented, Chinese, empty, mixed, and longer than 128 tokens. */
final class TestSentences {
  private TestSentences() {}

  static List<String> fifty() {
    List<String> s = new ArrayList<>();
    s.addAll(
        List.of(
            "The cat sat on the mat.",
            "A small dog barked at the postman this morning.",
            "Continuous training turns feedback into better models.",
            "Kafka keeps an ordered log of every event.",
            "How do I reset my password?",
            "The invoice was paid twice; please refund one payment.",
            "Photosynthesis converts light into chemical energy.",
            "She plays the violin in the city orchestra.",
            "Rain is expected over the mountains tomorrow.",
            "an edible fruit with a hard shell",
            "a large carnivorous feline of Africa and Asia",
            "the part of the body between the neck and the abdomen",
            "UPPER CASE TEXT SHOULD BE HANDLED TOO",
            "Numbers like 3.14159 and 2,718 appear here.",
            "e-mail: someone@example.com, url: https://example.org/path?q=1",
            "Don't panic!!! It's only a test...",
            "word",
            "supercalifragilisticexpialidocious antidisestablishmentarianism",
            "The quick brown fox jumps over the lazy dog.",
            "Tokens, tokens and more tokens.",
            "Which train goes to the airport after midnight?",
            "Fine-tuning a frozen encoder only trains the head."));
    s.addAll(
        List.of(
            "Le café est très chaud ce matin.",
            "Über den Wolken muss die Freiheit wohl grenzenlos sein.",
            "El niño comió una piña en la playa.",
            "Ça va? Où est la gare, s'il vous plaît?",
            "Crème brûlée, naïve façade, coöperate, résumé.",
            "Zażółć gęślą jaźń.",
            "Smörgåsbord och kåldolmar på julbordet.",
            "São Paulo é a maior cidade do Brasil."));
    s.addAll(
        List.of(
            "今天天气很好。",
            "我喜欢学习机器学习。",
            "这个模型可以在中央处理器上训练。",
            "小型语言模型在应用中不断改进。",
            "请问火车站在哪里？",
            "数据飞轮让模型越来越好。",
            "北京是中国的首都。",
            "猫坐在垫子上。",
            "人工智能与自然语言处理",
            "混合 text 与中文 mixed together."));
    s.addAll(List.of("", " ", "\t\n", "😀 emoji 🚀 and symbols ∑∫√", "x"));
    String para =
        "Flywheel learns from feedback events that arrive through Kafka, retrains the small"
            + " language model of each application on a schedule or when enough new labels have"
            + " arrived, evaluates the candidate against the champion on a held-out split and"
            + " promotes it only when it is better. ";
    s.add(para.repeat(3));
    s.add(para.repeat(6));
    s.add("词语".repeat(200));
    s.add("token ".repeat(300));
    s.add(("Ünïcödé àccents everywhere, " + para).repeat(4));
    if (s.size() != 50) {
      throw new IllegalStateException("expected 50 sentences, got " + s.size());
    }
    return s;
  }
}
