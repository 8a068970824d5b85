package io.kafkaenvelope.avro.internal;

import org.apache.avro.Schema;

/**
 * What a consumer reads records into: a reader schema (resolved from each record's writer schema
 * by Avro's rules) and, for generated classes, the SpecificRecord class ({@code null}: generic).
 * {@code schema == null}: each record in its own writer schema.
 */
public record ReaderTarget(Schema schema, Class<?> specific) {

  /** Each record as a GenericRecord in its own writer schema. */
  public static final ReaderTarget WRITER = new ReaderTarget(null, null);
}
