package io.kafkaenvelope.avro.internal;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.apache.avro.Schema;

/** Whether a pattern of {@code envelope.fields} names a position of a schema. */
final class PatternCheck {

  private PatternCheck() {}

  /** The patterns of {@code patterns} that name no position of {@code record}, in order. */
  static List<String> missing(Schema record, Collection<String> patterns) {
    List<String> out = new ArrayList<>();
    for (String p : patterns) {
      if (!exists(record, p)) {
        out.add(p);
      }
    }
    return out;
  }

  /** Whether {@code pattern} (e.g. {@code lines[].address}) names a position of {@code s}. */
  static boolean exists(Schema s, String pattern) {
    int dot = pattern.indexOf('.');
    String head = dot < 0 ? pattern : pattern.substring(0, dot);
    String rest = dot < 0 ? null : pattern.substring(dot + 1);
    int brackets = 0;
    String name = head;
    while (name.endsWith("[]")) {
      name = name.substring(0, name.length() - 2);
      brackets++;
    }
    for (Schema rec : branches(s, Schema.Type.RECORD)) {
      Schema.Field f = rec.getField(name);
      if (f != null && existsBelow(f.schema(), brackets, rest)) {
        return true;
      }
    }
    return false;
  }

  private static boolean existsBelow(Schema s, int brackets, String rest) {
    if (brackets == 0) {
      return rest == null || exists(s, rest);
    }
    for (Schema c : branches(s, Schema.Type.ARRAY)) {
      if (existsBelow(c.getElementType(), brackets - 1, rest)) {
        return true;
      }
    }
    for (Schema c : branches(s, Schema.Type.MAP)) {
      if (existsBelow(c.getValueType(), brackets - 1, rest)) {
        return true;
      }
    }
    return false;
  }

  /** {@code s} itself if of {@code type}, or its union branches of that type. */
  private static List<Schema> branches(Schema s, Schema.Type type) {
    if (s.getType() == type) {
      return List.of(s);
    }
    List<Schema> out = new ArrayList<>();
    if (s.getType() == Schema.Type.UNION) {
      for (Schema b : s.getTypes()) {
        if (b.getType() == type) {
          out.add(b);
        }
      }
    }
    return out;
  }
}
