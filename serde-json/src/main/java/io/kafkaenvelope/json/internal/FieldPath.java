package io.kafkaenvelope.json.internal;

import io.kafkaenvelope.internal.field.FieldPaths;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A field path in the syntax of {@code io.kafkaenvelope.internal.field}: a <em>pattern</em>
 * ({@code customer.ssn}, {@code lines[].address}, {@code attrs[]}) names fields in configuration;
 * a <em>concrete path</em> ({@code lines[2].address}, {@code attrs["colour"]}) names one
 * occurrence in one record. Both are parsed into the same {@link Step}s; a pattern has only
 * {@link Step#ANY} where a concrete path has an index or a key ({@link FieldPaths} checks the
 * same syntax; this class also gives the steps, to walk a tree). Immutable.
 */
public final class FieldPath {

  /** One step down a JSON tree. */
  public record Step(Kind kind, String name, int index) {

    /** Every element of an array or value of an object used as a map: {@code []}. */
    public static final Step ANY = new Step(Kind.ANY, null, -1);

    /** What the step selects. */
    public enum Kind {
      /** An object's property by name. */
      NAME,
      /** Every element / every map value (patterns only). */
      ANY,
      /** One array element (concrete paths only). */
      INDEX,
      /** One value of an object used as a map (concrete paths only). */
      KEY
    }

    static Step name(String name) {
      return new Step(Kind.NAME, name, -1);
    }

    static Step index(int index) {
      return new Step(Kind.INDEX, null, index);
    }

    static Step key(String key) {
      return new Step(Kind.KEY, key, -1);
    }
  }

  private final List<Step> steps;
  private final String text;

  private FieldPath(List<Step> steps, String text) {
    this.steps = List.copyOf(steps);
    this.text = text;
  }

  public List<Step> steps() {
    return steps;
  }

  /** Whether this is a pattern (no index or key). */
  public boolean isPattern() {
    return steps.stream().noneMatch(s -> s.kind() == Step.Kind.INDEX
        || s.kind() == Step.Kind.KEY);
  }

  /** The pattern this concrete path is an occurrence of: every index and key becomes {@code []}. */
  public String pattern() {
    StringBuilder sb = new StringBuilder();
    for (Step s : steps) {
      if (s.kind() == Step.Kind.NAME) {
        if (sb.length() > 0) {
          sb.append('.');
        }
        sb.append(s.name());
      } else {
        sb.append("[]");
      }
    }
    return sb.toString();
  }

  @Override
  public String toString() {
    return text;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof FieldPath p && p.steps.equals(steps);
  }

  @Override
  public int hashCode() {
    return Objects.hash(steps);
  }

  /**
   * Parses a pattern: names joined by {@code .}, each optionally followed by {@code []}s. A name
   * is any run of characters other than {@code .}, {@code [}, {@code ]} and whitespace (as
   * serde-core's {@link FieldPaths}), so a JSON property whose name holds one of those cannot be
   * selected by pattern.
   *
   * @throws IllegalArgumentException saying what is wrong (never the record's content)
   */
  public static FieldPath parsePattern(String pattern) {
    FieldPath p = parse(pattern);
    if (!p.isPattern()) {
      throw new IllegalArgumentException("'" + pattern + "' is a concrete path; a pattern has "
          + "[] where an index or key would be");
    }
    return p;
  }

  /** Parses a concrete path as {@link #concrete} writes it (or a pattern). */
  public static FieldPath parse(String path) {
    List<Step> steps = new ArrayList<>();
    int i = 0;
    int n = path.length();
    boolean expectName = true;
    while (i < n) {
      char c = path.charAt(i);
      if (expectName) {
        int start = i;
        while (i < n && isNameChar(path.charAt(i))) {
          i++;
        }
        if (i == start) {
          throw bad(path, "a field name expected at position " + start);
        }
        steps.add(Step.name(path.substring(start, i)));
        expectName = false;
      } else if (c == '.') {
        i++;
        expectName = true;
      } else if (c == '[') {
        i = bracket(path, i + 1, steps);
      } else {
        throw bad(path, "'" + c + "' at position " + i);
      }
    }
    if (expectName) {
      throw bad(path, steps.isEmpty() ? "empty" : "ends with '.'");
    }
    return new FieldPath(steps, path);
  }

  private static int bracket(String path, int i, List<Step> steps) {
    int n = path.length();
    if (i < n && path.charAt(i) == ']') {
      steps.add(Step.ANY);
      return i + 1;
    }
    if (i < n && path.charAt(i) == '"') {
      StringBuilder key = new StringBuilder();
      int j = i + 1;
      while (j < n && path.charAt(j) != '"') {
        char c = path.charAt(j);
        if (c == '\\') {
          j = unescape(path, j + 1, key);
        } else {
          key.append(c);
          j++;
        }
      }
      if (j + 1 >= n || path.charAt(j + 1) != ']') {
        throw bad(path, "unterminated map key at position " + i);
      }
      steps.add(Step.key(key.toString()));
      return j + 2;
    }
    int start = i;
    while (i < n && path.charAt(i) >= '0' && path.charAt(i) <= '9') {
      i++;
    }
    if (i == start || i >= n || path.charAt(i) != ']' || i - start > 9
        || (i - start > 1 && path.charAt(start) == '0')) {
      throw bad(path, "'[' at position " + (start - 1) + " is not [], [index] or [\"key\"]");
    }
    steps.add(Step.index(Integer.parseInt(path.substring(start, i))));
    return i + 1;
  }

  private static int unescape(String path, int j, StringBuilder key) {
    if (j >= path.length()) {
      throw bad(path, "unterminated escape");
    }
    char e = path.charAt(j);
    switch (e) {
      case '"', '\\', '/' -> key.append(e);
      case 'b' -> key.append('\b');
      case 'f' -> key.append('\f');
      case 'n' -> key.append('\n');
      case 'r' -> key.append('\r');
      case 't' -> key.append('\t');
      case 'u' -> {
        if (j + 5 > path.length()) {
          throw bad(path, "short \\u escape");
        }
        try {
          key.append((char) Integer.parseInt(path.substring(j + 1, j + 5), 16));
        } catch (NumberFormatException x) {
          throw bad(path, "bad \\u escape");
        }
        return j + 5;
      }
      default -> throw bad(path, "bad escape \\" + e);
    }
    return j + 1;
  }

  static boolean isNameChar(char c) {
    return c != '.' && c != '[' && c != ']' && !Character.isWhitespace(c);
  }

  /** Whether {@code name} can appear in a pattern. */
  public static boolean isSelectableName(String name) {
    if (name.isEmpty()) {
      return false;
    }
    for (int i = 0; i < name.length(); i++) {
      if (!isNameChar(name.charAt(i))) {
        return false;
      }
    }
    return true;
  }

  private static IllegalArgumentException bad(String path, String why) {
    return new IllegalArgumentException("not a field path: '" + path + "' (" + why + ")");
  }

  // ---- writing concrete paths, one step at a time (the walker builds them as it descends)

  /** {@code parent.name}, or {@code name} at the root. */
  public static String child(String parent, String name) {
    return parent.isEmpty() ? name : parent + '.' + name;
  }

  /** {@code parent[index]}. */
  public static String element(String parent, int index) {
    return parent + FieldPaths.index(index);
  }

  /**
   * {@code parent["key"]}: the key as serde-core's {@link FieldPaths#mapKey} writes it, so the
   * same key always gives the same bytes (the concrete path is part of the associated data).
   */
  public static String entry(String parent, String key) {
    return parent + FieldPaths.mapKey(key);
  }
}
