package io.kafkaenvelope.json.internal;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a JSON Schema says about field-level encryption: the patterns whose schema carries {@code
 * "kafka-envelope.encrypt": true} (or a list of tag names instead of {@code true}) or Confluent's
 * {@code "confluent:tags": [...]}, and whether a configured pattern exists at all. Follows {@code
 * properties} (a name), {@code items}, {@code additionalProperties} and {@code patternProperties}
 * ({@code []}), local {@code $ref}s ({@code #/definitions/...}, {@code #/$defs/...}, any JSON
 * pointer into the same document) and {@code allOf}/{@code anyOf}/{@code oneOf} branches, which
 * are transparent (a nullable {@code oneOf: [null, X]} is X). Recursive schemas are followed to
 * a fixed depth. Immutable once built.
 */
public final class JsonSchemaFields {

  /** Our keyword: {@code true}, or a list of tag names. */
  public static final String ENCRYPT_KEYWORD = "kafka-envelope.encrypt";
  /** Confluent's tag list on a field. */
  public static final String CONFLUENT_TAGS = "confluent:tags";

  private static final int MAX_DEPTH = 32;
  /** Patterns collected at most (a recursive schema would otherwise go on). */
  private static final int MAX_PATTERNS = 10_000;

  /** The annotation on one pattern. */
  public record Annotation(boolean annotated, Set<String> tags) {}

  private final JsonNode root;
  private final Map<String, Annotation> annotations;
  private int visited;

  private JsonSchemaFields(JsonNode root) {
    this.root = root;
    Map<String, Annotation> found = new LinkedHashMap<>();
    collect(root, "", 0, found);
    this.annotations = Collections.unmodifiableMap(found);
  }

  /** Reads the annotations of {@code schema}. */
  public static JsonSchemaFields of(JsonNode schema) {
    if (schema == null || !schema.isObject()) {
      throw new IllegalArgumentException("a JSON Schema is an object");
    }
    return new JsonSchemaFields(schema);
  }

  /** Every pattern carrying our keyword or Confluent tags, in schema order. */
  public Map<String, Annotation> annotations() {
    return annotations;
  }

  /** Whether {@code pattern} names a field the schema declares. */
  public boolean exists(FieldPath pattern) {
    List<JsonNode> at = List.of(root);
    for (FieldPath.Step step : pattern.steps()) {
      List<JsonNode> next = new ArrayList<>();
      for (JsonNode s : at) {
        for (JsonNode b : branches(s, 0)) {
          children(b, step, next);
        }
      }
      if (next.isEmpty()) {
        return false;
      }
      at = next;
    }
    return true;
  }

  private void collect(JsonNode schema, String pattern, int depth, Map<String, Annotation> found) {
    if (depth > MAX_DEPTH || visited++ > MAX_PATTERNS) {
      return;
    }
    for (JsonNode b : branches(schema, 0)) {
      JsonNode props = b.get("properties");
      if (props != null && props.isObject()) {
        props.fields().forEachRemaining(e -> {
          if (FieldPath.isSelectableName(e.getKey())) {
            String p = pattern.isEmpty() ? e.getKey() : pattern + "." + e.getKey();
            note(p, e.getValue(), found);
            collect(e.getValue(), p, depth + 1, found);
          }
        });
      }
      List<JsonNode> any = new ArrayList<>();
      children(b, FieldPath.Step.ANY, any);
      if (!pattern.isEmpty()) {
        for (JsonNode s : any) {
          note(pattern + "[]", s, found);
          collect(s, pattern + "[]", depth + 1, found);
        }
      }
    }
  }

  private void note(String pattern, JsonNode schema, Map<String, Annotation> found) {
    boolean annotated = false;
    Set<String> tags = new LinkedHashSet<>();
    for (JsonNode b : branches(schema, 0)) {
      JsonNode mark = b.get(ENCRYPT_KEYWORD);
      if (mark != null && (mark.isArray() || mark.asBoolean(false))) {
        annotated = true;
        mark.forEach(t -> tags.add(t.asText()));
      }
      JsonNode confluent = b.get(CONFLUENT_TAGS);
      if (confluent != null && confluent.isArray()) {
        confluent.forEach(t -> tags.add(t.asText()));
      }
    }
    if (annotated || !tags.isEmpty()) {
      Annotation old = found.get(pattern);
      if (old != null) {
        tags.addAll(old.tags());
        annotated |= old.annotated();
      }
      found.put(pattern, new Annotation(annotated, Set.copyOf(tags)));
    }
  }

  /** The schemas one step below {@code b} (itself one branch, no combinators resolved). */
  private static void children(JsonNode b, FieldPath.Step step, List<JsonNode> out) {
    switch (step.kind()) {
      case NAME -> {
        JsonNode props = b.get("properties");
        if (props != null && props.has(step.name())) {
          out.add(props.get(step.name()));
        }
      }
      case ANY, INDEX, KEY -> {
        JsonNode items = b.get("items");
        if (items != null && items.isObject()) {
          out.add(items);
        } else if (items != null && items.isArray()) {
          items.forEach(out::add);
        }
        JsonNode prefix = b.get("prefixItems");
        if (prefix != null && prefix.isArray()) {
          prefix.forEach(out::add);
        }
        JsonNode additional = b.get("additionalProperties");
        if (additional != null && additional.isObject()) {
          out.add(additional);
        }
        JsonNode patterned = b.get("patternProperties");
        if (patterned != null && patterned.isObject()) {
          patterned.forEach(out::add);
        }
      }
      default -> throw new IllegalStateException(step.kind().name());
    }
  }

  /**
   * {@code schema} and everything it stands for: the targets of its {@code $ref} and the
   * branches of its combinators, recursively (a set by identity, so a cycle ends).
   */
  private List<JsonNode> branches(JsonNode schema, int depth) {
    Map<JsonNode, Boolean> seen = new IdentityHashMap<>();
    List<JsonNode> out = new ArrayList<>();
    expand(schema, depth, seen, out);
    return out;
  }

  private void expand(JsonNode s, int depth, Map<JsonNode, Boolean> seen, List<JsonNode> out) {
    if (s == null || !s.isObject() || depth > MAX_DEPTH || seen.put(s, Boolean.TRUE) != null) {
      return;
    }
    out.add(s);
    JsonNode ref = s.get("$ref");
    if (ref != null && ref.isTextual() && ref.textValue().startsWith("#")) {
      String pointer = ref.textValue().substring(1);
      expand(pointer.isEmpty() ? root : root.at(pointer), depth + 1, seen, out);
    }
    for (String k : new String[] {"allOf", "anyOf", "oneOf"}) {
      JsonNode list = s.get(k);
      if (list != null && list.isArray()) {
        list.forEach(b -> expand(b, depth + 1, seen, out));
      }
    }
  }
}
