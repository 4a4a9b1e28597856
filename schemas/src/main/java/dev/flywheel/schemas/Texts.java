package dev.flywheel.schemas;

/**
 * What makes a text usable as a model input or a label, decided once for the gateway and the
 * feedback service alike: it must hold at least one visible character (not only whitespace,
 * zero-width or other invisible characters), and it must be well-formed UTF-16 (no unpaired
 * surrogate, which no UTF-8 consumer can represent).
 */
public final class Texts {
  private Texts() {}

  /** Whether {@code text} holds a character a person can see. */
  public static boolean hasVisibleContent(String text) {
    if (text == null) {
      return false;
    }
    for (int i = 0; i < text.length(); ) {
      int codePoint = text.codePointAt(i);
      if (!invisible(codePoint)) {
        return true;
      }
      i += Character.charCount(codePoint);
    }
    return false;
  }

  /** Whether {@code text} holds a high surrogate without its low one, or a low one alone. */
  public static boolean hasUnpairedSurrogate(String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (Character.isHighSurrogate(c)) {
        if (i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
          i++;
        } else {
          return true;
        }
      } else if (Character.isLowSurrogate(c)) {
        return true;
      }
    }
    return false;
  }

  private static boolean invisible(int codePoint) {
    if (Character.isWhitespace(codePoint) || Character.isSpaceChar(codePoint)) {
      return true;
    }
    int type = Character.getType(codePoint);
    if (type == Character.FORMAT
        || type == Character.CONTROL
        || type == Character.SURROGATE
        || type == Character.UNASSIGNED
        || type == Character.PRIVATE_USE) {
      return true;
    }
    return isBlankLookingSymbol(codePoint);
  }

  /** Letters and symbols that render as nothing: fillers, blanks and variation selectors. */
  private static boolean isBlankLookingSymbol(int codePoint) {
    return codePoint == 0x034F // combining grapheme joiner
        || codePoint == 0x115F
        || codePoint == 0x1160
        || codePoint == 0x3164
        || codePoint == 0xFFA0 // Hangul fillers
        || codePoint == 0x2800 // braille pattern blank
        || (codePoint >= 0xFE00 && codePoint <= 0xFE0F)
        || (codePoint >= 0xE0100 && codePoint <= 0xE01EF); // variation selectors
  }
}
