package io.kafkaenvelope.avro.internal;

import java.util.List;
import org.apache.avro.Schema;

/**
 * What a consumer reads records into: a reader schema (resolved from each record's writer schema
 * by Avro's rules) and, for generated classes, the SpecificRecord class ({@code null}: generic).
 * {@code schema == null}: each record in its own writer schema. {@code known}: every schema the
 * configuration names (reader and writer schemas), against which {@code envelope.fields} is
 * checked at {@code configure()}.
 */
public record ReaderTarget(Schema schema, Class<?> specific, List<Schema> known) {

  /** Each record as a GenericRecord in its own writer schema. */
  public static final ReaderTarget WRITER = new ReaderTarget(null, null, List.of());

  public ReaderTarget {
    known = List.copyOf(known);
  }

  /** Reads into {@code schema} (and {@code specific}), knowing only that schema. */
  public ReaderTarget(Schema schema, Class<?> specific) {
    this(schema, specific, schema == null ? List.of() : List.of(schema));
  }
}
