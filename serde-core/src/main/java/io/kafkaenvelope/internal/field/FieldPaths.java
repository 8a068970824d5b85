package io.kafkaenvelope.internal.field;

/**
 * The path syntax of the package description, in one place for serde-core and the formats:
 * patterns ({@code lines[].address}) and concrete paths ({@code lines[2].address}, {@code
 * attributes["colour"]}). A field name is any non-empty string without {@code .}, {@code [},
 * {@code ]} or whitespace; a map key in a concrete path is a JSON string.
 */
public final class FieldPaths {

  private FieldPaths() {}

  /** The concrete-path element of map key {@code key}: a JSON string, e.g. {@code ["a\"b"]}. */
  public static String mapKey(String key) {
    StringBuilder sb = new StringBuilder(key.length() + 4).append("[\"");
    for (int i = 0; i < key.length(); i++) {
      char c = key.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        default -> {
          if (c < 0x20) {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    return sb.append("\"]").toString();
  }

  /** The concrete-path element of array index {@code i}: {@code [i]}. */
  public static String index(int i) {
    return "[" + i + "]";
  }

  /**
   * Checks {@code pattern}'s syntax.
   *
   * @throws IllegalArgumentException saying what is wrong
   */
  public static void checkPattern(String pattern) {
    parse(pattern, false);
  }

  /**
   * The pattern a concrete path is an occurrence of: every index and map key becomes {@code []}.
   *
   * @throws IllegalArgumentException if {@code concretePath} is not a concrete path
   */
  public static String patternOf(String concretePath) {
    return parse(concretePath, true);
  }

  /** Parses a pattern ({@code concrete == false}) or a concrete path; returns the pattern. */
  private static String parse(String path, boolean concrete) {
    if (path == null || path.isEmpty()) {
      throw new IllegalArgumentException("empty path");
    }
    StringBuilder pattern = new StringBuilder(path.length());
    int i = 0;
    int n = path.length();
    for (;;) {
      int start = i;
      while (i < n && isNameChar(path.charAt(i))) {
        i++;
      }
      if (i == start) {
        throw new IllegalArgumentException("a field name is missing at position " + start
            + " (names are joined by '.', with [] after a name for array elements or map "
            + "values; no whitespace)");
      }
      pattern.append(path, start, i);
      while (i < n && path.charAt(i) == '[') {
        i = concrete ? skipElement(path, i + 1) : expect(path, i + 1, ']');
        pattern.append("[]");
      }
      if (i == n) {
        return pattern.toString();
      }
      if (path.charAt(i) != '.') {
        throw new IllegalArgumentException("unexpected '" + path.charAt(i) + "' at position " + i);
      }
      pattern.append('.');
      i++;
    }
  }

  private static boolean isNameChar(char c) {
    return c != '.' && c != '[' && c != ']' && !Character.isWhitespace(c);
  }

  private static int expect(String path, int i, char c) {
    if (i >= path.length() || path.charAt(i) != c) {
      throw new IllegalArgumentException("'" + c + "' expected at position " + i
          + (c == ']' ? " (a pattern has [] for every element; indices only in concrete paths)"
              : ""));
    }
    return i + 1;
  }

  /** Skips {@code digits]} or {@code "json string"]} starting at {@code i}. */
  private static int skipElement(String path, int i) {
    int n = path.length();
    if (i < n && path.charAt(i) == '"') {
      i++;
      while (i < n && path.charAt(i) != '"') {
        i += path.charAt(i) == '\\' ? 2 : 1;
      }
      return expect(path, expect(path, i, '"'), ']');
    }
    int start = i;
    while (i < n && path.charAt(i) >= '0' && path.charAt(i) <= '9') {
      i++;
    }
    if (i == start || (path.charAt(start) == '0' && i - start > 1)) {
      throw new IllegalArgumentException("an index or a quoted map key expected at position "
          + start);
    }
    return expect(path, i, ']');
  }
}
