package io.kafkaenvelope.avro.internal;

import java.util.Set;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;

/**
 * Where the original and the derived schema of a record differ: a tree with a node for every
 * schema position that changes ({@code null} children stay as they are). Built once per schema by
 * {@link SchemaDerivation} (producer) or {@link SchemaRebuild} (consumer) and shared by every
 * record of that schema; immutable.
 */
final class FieldTree {

  private FieldTree() {}

  /** A changed position. */
  sealed interface Node permits Rec, Arr, MapOf, Union, Sealed {
    /** The schema here in the original (writer) schema. */
    Schema original();

    /** The schema here in the derived (on-the-wire) schema. */
    Schema derived();
  }

  /** A record with changed fields; {@code fields[i] == null}: field i is unchanged. */
  record Rec(Schema original, Schema derived, Node[] fields) implements Node {}

  /** An array whose elements change. */
  record Arr(Schema original, Schema derived, Node element) implements Node {}

  /** A map whose values change. */
  record MapOf(Schema original, Schema derived, Node value) implements Node {}

  /** A union with changed branches; {@code branches[i] == null}: branch i is unchanged. */
  record Union(Schema original, Schema derived, Node[] branches) implements Node {}

  /**
   * An encrypted position: the value is encoded with {@code original} (Avro binary of the
   * field's own schema, a union's branch index included) and replaced by its ciphertext, a
   * {@code bytes} value; a null stays null when {@code original} allows it.
   */
  static final class Sealed implements Node {
    final String pattern;
    final boolean annotated;
    final Set<String> tags;
    private final Schema original;
    private final Schema derived;
    final boolean nullable;
    /** Thread-safe (Avro's message encoders share one datum writer/reader across threads). */
    final GenericDatumWriter<Object> writer;
    final GenericDatumReader<Object> reader;

    Sealed(String pattern, boolean annotated, Set<String> tags, Schema original,
        Schema derived) {
      this.pattern = pattern;
      this.annotated = annotated;
      this.tags = Set.copyOf(tags);
      this.original = original;
      this.derived = derived;
      this.nullable = original.isNullable();
      this.writer = new GenericDatumWriter<>(original, FieldCodec.WRITE_MODEL);
      this.reader = new GenericDatumReader<>(original, original, GenericData.get());
    }

    @Override
    public Schema original() {
      return original;
    }

    @Override
    public Schema derived() {
      return derived;
    }
  }
}
