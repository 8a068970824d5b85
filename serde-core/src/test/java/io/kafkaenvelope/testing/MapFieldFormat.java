package io.kafkaenvelope.testing;

import io.kafkaenvelope.internal.field.FieldFormat;
import io.kafkaenvelope.internal.field.FieldOpener;
import io.kafkaenvelope.internal.field.FieldPaths;
import io.kafkaenvelope.internal.field.FieldRule;
import io.kafkaenvelope.internal.field.FieldSealer;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;

/**
 * A test-only {@link FieldFormat} over plain Java objects, so serde-core's field engine is tested
 * without Avro or JSON: a {@link Map} is a record (its keys are field names), a {@link List} an
 * array ({@code name[]}, {@code name[2]}), a {@link Dict} a map type ({@code name[]}, {@code
 * name["key"]}). A field's encoding, and the whole record's bytes, are Java serialization.
 * "Schema" annotations and tags come from the constructor, by pattern.
 */
public final class MapFieldFormat implements FieldFormat {

  /** A map type: its values are elements, its keys map keys (not field names). */
  public static final class Dict extends LinkedHashMap<String, Object> {
    private static final long serialVersionUID = 1L;

    public Dict() {}

    public Dict(Map<String, Object> m) {
      super(m);
    }
  }

  private final Set<String> annotated;
  private final Map<String, Set<String>> tags;

  public MapFieldFormat() {
    this(Set.of(), Map.of());
  }

  public MapFieldFormat(Set<String> annotated, Map<String, Set<String>> tags) {
    this.annotated = annotated;
    this.tags = tags;
  }

  @Override
  public String name() {
    return "TestMap";
  }

  @Override
  public Object seal(String topic, Object record, FieldSealer sealer) {
    Set<String> seen = new HashSet<>();
    Object out = walk(record, "", "", sealer, seen);
    for (String p : sealer.configuredPatterns()) {
      if (!seen.contains(p)) {
        throw sealer.configError("envelope.fields names '" + p + "', which the record lacks");
      }
    }
    return out;
  }

  @SuppressWarnings("unchecked")
  private Object walk(Object value, String pattern, String concrete, FieldSealer sealer,
      Set<String> seen) {
    if (value instanceof Dict d) {
      Dict copy = new Dict();
      for (Map.Entry<String, Object> e : d.entrySet()) {
        copy.put(e.getKey(), field(e.getValue(), pattern + "[]",
            concrete + FieldPaths.mapKey(e.getKey()), sealer, seen));
      }
      return copy;
    }
    if (value instanceof Map<?, ?> m) {
      Map<String, Object> copy = new LinkedHashMap<>();
      for (Map.Entry<String, Object> e : ((Map<String, Object>) m).entrySet()) {
        String sep = pattern.isEmpty() ? "" : ".";
        copy.put(e.getKey(), field(e.getValue(), pattern + sep + e.getKey(),
            concrete + sep + e.getKey(), sealer, seen));
      }
      return copy;
    }
    if (value instanceof List<?> l) {
      List<Object> copy = new ArrayList<>(l.size());
      for (int i = 0; i < l.size(); i++) {
        copy.add(field(l.get(i), pattern + "[]", concrete + FieldPaths.index(i), sealer, seen));
      }
      return copy;
    }
    return value;
  }

  /** One field (or element): sealed if chosen, else walked into. */
  private Object field(Object value, String pattern, String concrete, FieldSealer sealer,
      Set<String> seen) {
    seen.add(pattern);
    FieldRule rule = sealer.select(pattern, annotated.contains(pattern),
        tags.getOrDefault(pattern, Set.of()));
    if (rule != null && value != null) {
      return sealer.seal(rule, concrete, encode(value));
    }
    if (value instanceof List<?> && !(value instanceof Dict)) {
      // an empty or null array still names its element pattern
      seen.add(pattern + "[]");
    }
    return walk(value, pattern, concrete, sealer, seen);
  }

  @Override
  public Object open(String topic, Object decoded, FieldOpener opener) {
    Map<String, Slot> slots = new LinkedHashMap<>();
    Map<String, byte[]> ciphertexts = new LinkedHashMap<>();
    for (String path : opener.sealedPaths()) {
      Slot slot = locate(decoded, path, opener);
      Object current = slot.get();
      if (!(current instanceof byte[] ct)) {
        throw opener.malformed("a listed field does not hold bytes");
      }
      slots.put(path, slot);
      ciphertexts.put(path, ct);
    }
    Map<String, byte[]> plain = opener.open(ciphertexts);
    for (Map.Entry<String, Slot> e : slots.entrySet()) {
      byte[] p = plain.get(e.getKey());
      if (p != null) {
        e.getValue().set(decode(p));
      } else if (opener.unreadable() == FieldOpener.Unreadable.NULL) {
        e.getValue().set(null);
      }
    }
    return decoded;
  }

  /** Where a concrete path points: a container and its key or index. */
  private record Slot(Object container, Object key) {
    @SuppressWarnings("unchecked")
    Object get() {
      return container instanceof List<?> l ? l.get((Integer) key)
          : ((Map<String, Object>) container).get(key);
    }

    @SuppressWarnings("unchecked")
    void set(Object v) {
      if (container instanceof List<?> l) {
        ((List<Object>) l).set((Integer) key, v);
      } else {
        ((Map<String, Object>) container).put((String) key, v);
      }
    }
  }

  @SuppressWarnings("unchecked")
  private static Slot locate(Object root, String path, FieldOpener opener) {
    Object container = null;
    Object key = null;
    Object cur = root;
    int i = 0;
    int n = path.length();
    while (i < n) {
      char c = path.charAt(i);
      if (c == '.') {
        i++;
        continue;
      }
      if (c == '[') {
        int end;
        Object k;
        if (path.charAt(i + 1) == '"') {
          StringBuilder sb = new StringBuilder();
          int j = i + 2;
          while (path.charAt(j) != '"') {
            if (path.charAt(j) == '\\') {
              j++;
            }
            sb.append(path.charAt(j));
            j++;
          }
          end = j + 1;
          k = sb.toString();
        } else {
          end = path.indexOf(']', i);
          k = Integer.parseInt(path.substring(i + 1, end));
        }
        container = cur;
        key = k;
        i = end + 1;
      } else {
        int j = i;
        while (j < n && path.charAt(j) != '.' && path.charAt(j) != '[') {
          j++;
        }
        container = cur;
        key = path.substring(i, j);
        i = j;
      }
      if (container == null || !(container instanceof Map || container instanceof List)) {
        throw opener.malformed("a listed field is not in the record");
      }
      boolean present = container instanceof List<?> l ? (Integer) key < l.size()
          : ((Map<String, Object>) container).containsKey(key);
      if (!present) {
        throw opener.malformed("a listed field is not in the record");
      }
      cur = new Slot(container, key).get();
    }
    return new Slot(container, key);
  }

  public static byte[] encode(Object value) {
    try (ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(value);
      out.flush();
      return bytes.toByteArray();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  public static Object decode(byte[] bytes) {
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes))) {
      return in.readObject();
    } catch (IOException | ClassNotFoundException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The inner serializer: the whole record by Java serialization. */
  public static final class Ser implements Serializer<Object> {
    @Override
    public byte[] serialize(String topic, Object data) {
      if (data != null && !(data instanceof Serializable)) {
        throw new IllegalArgumentException("not serializable");
      }
      return data == null ? null : encode(data);
    }
  }

  /** The inner deserializer. */
  public static final class De implements Deserializer<Object> {
    @Override
    public Object deserialize(String topic, byte[] data) {
      return data == null ? null : decode(data);
    }
  }
}
