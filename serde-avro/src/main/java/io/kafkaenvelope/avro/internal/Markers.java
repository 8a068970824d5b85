package io.kafkaenvelope.avro.internal;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.apache.avro.Schema;

/** The schema properties field-level encryption reads and writes. */
final class Markers {

  /**
   * On the {@code bytes} type of an encrypted position in a derived schema: the JSON of the
   * schema the value was encoded with (a union's whole JSON when the marker is on a union branch),
   * so a reader rebuilds the original schema from the derived one alone.
   */
  static final String SEALED = "kafka-envelope.sealed";

  /** On a derived field whose default had to change: the original default. */
  static final String DEFAULT = "kafka-envelope.default";

  /** Our field annotation: {@code true}, or a list of tags (which also means encrypt). */
  static final String ENCRYPT = "kafka-envelope.encrypt";

  /** Confluent's field tags (Data Contracts), matched against {@code envelope.fields.tags}. */
  static final String CONFLUENT_TAGS = "confluent:tags";

  private Markers() {}

  /** Whether {@code f} carries our annotation ({@code true} or a non-empty tag list). */
  static boolean annotated(Schema.Field f) {
    Object v = f.getObjectProp(ENCRYPT);
    if (v instanceof Boolean b) {
      return b;
    }
    if (v instanceof String s) {
      return !s.isBlank() && !"false".equalsIgnoreCase(s.trim());
    }
    return v instanceof Collection<?> c && !c.isEmpty();
  }

  /** The field's Confluent tags and our annotation's tags. */
  static Set<String> tags(Schema.Field f) {
    Set<String> tags = new LinkedHashSet<>();
    addAll(tags, f.getObjectProp(CONFLUENT_TAGS));
    Object ours = f.getObjectProp(ENCRYPT);
    if (!(ours instanceof Boolean)) {
      addAll(tags, ours);
    }
    return tags;
  }

  private static void addAll(Set<String> into, Object v) {
    if (v instanceof Collection<?> c) {
      for (Object o : c) {
        if (o != null) {
          into.add(o.toString());
        }
      }
    } else if (v instanceof String s && !s.isBlank() && !"true".equalsIgnoreCase(s.trim())) {
      for (String t : s.split(",")) {
        if (!t.isBlank()) {
          into.add(t.trim());
        }
      }
    }
  }

  /** A {@code bytes} schema marked as holding the ciphertext of a value of {@code original}. */
  static Schema sealedBytes(Schema original) {
    Schema bytes = Schema.create(Schema.Type.BYTES);
    bytes.addProp(SEALED, original.toString());
    return bytes;
  }

  /**
   * The derived type of an encrypted position of type {@code original}: {@code bytes}, or for a
   * union with null, null where it was and one {@code bytes} branch where the first non-null
   * branch was (so a null default stays valid).
   */
  static Schema sealedType(Schema original) {
    Schema bytes = sealedBytes(original);
    if (original.getType() != Schema.Type.UNION) {
      return bytes;
    }
    List<Schema> branches = new ArrayList<>();
    boolean placed = false;
    for (Schema b : original.getTypes()) {
      if (b.getType() == Schema.Type.NULL) {
        branches.add(b);
      } else if (!placed) {
        branches.add(bytes);
        placed = true;
      }
    }
    return branches.size() == 1 ? bytes : Schema.createUnion(branches);
  }

  /** The marker of a derived type: its JSON, or null when {@code derived} is not sealed. */
  static String sealedMarker(Schema derived) {
    if (derived.getType() == Schema.Type.BYTES) {
      return derived.getProp(SEALED);
    }
    if (derived.getType() == Schema.Type.UNION) {
      for (Schema b : derived.getTypes()) {
        if (b.getType() == Schema.Type.BYTES && b.getProp(SEALED) != null) {
          return b.getProp(SEALED);
        }
      }
    }
    return null;
  }
}
