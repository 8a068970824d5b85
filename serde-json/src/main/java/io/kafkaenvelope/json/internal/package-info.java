/**
 * Internal: field-level encryption for JSON, not a public API, may change in any release. {@link
 * io.kafkaenvelope.json.internal.JsonFieldFormat} is serde-core's {@code FieldFormat} for Jackson
 * trees: {@link io.kafkaenvelope.json.internal.FieldPath} parses and writes the paths, {@link
 * io.kafkaenvelope.json.internal.CanonicalJson} is a field's encoding, {@link
 * io.kafkaenvelope.json.internal.JsonSchemaFields} reads the selection keywords of a JSON Schema
 * and {@link io.kafkaenvelope.json.internal.PojoFields} checks patterns against a Jackson-mapped
 * class.
 */
package io.kafkaenvelope.json.internal;
