/**
 * Internal: not a public API, may change in any release. Field-level encryption for Avro
 * ({@code envelope.mode=field}): {@link io.kafkaenvelope.avro.internal.AvroFieldFormat} is
 * serde-core's {@code FieldFormat} for Avro records; {@code SchemaDerivation} turns a writer
 * schema into the derived (on-the-wire) schema, in which every encrypted field is {@code bytes}
 * marked with its original schema, and {@code SchemaRebuild} turns a derived schema back into the
 * writer schema from the derived one alone; {@code FieldTree} is the per-schema plan both walk,
 * {@code FieldCodec} encodes one field as Avro binary of its own schema, {@code PatternCheck}
 * and {@code FieldSelection} check and apply {@code envelope.fields}, and {@code FieldSchemas}
 * lets the registry-less deserializer recognize derived schemas by fingerprint.
 */
package io.kafkaenvelope.avro.internal;
