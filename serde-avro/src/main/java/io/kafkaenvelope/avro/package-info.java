/**
 * Avro without a schema registry: {@link io.kafkaenvelope.avro.AvroSingleObjectSerializer},
 * {@link io.kafkaenvelope.avro.AvroSingleObjectDeserializer} and {@link
 * io.kafkaenvelope.avro.AvroSingleObjectSerde} write and read Avro's single-object encoding
 * (writer schemas found by fingerprint), and {@code EncryptingAvroSerializer}, {@code
 * DecryptingAvroDeserializer} and {@code EncryptingAvroSerde} are the serde-core envelope serdes
 * with these as their default inner serdes, so one class name in the client configuration does
 * both. {@link io.kafkaenvelope.avro.AvroSerdeConfig} holds the deserializer's settings. The public
 * classes are the API; {@code SchemaLocations} (loading {@code .avsc} files) is internal, and so is
 * field-level encryption ({@code envelope.mode=field}), in {@code io.kafkaenvelope.avro.internal},
 * which the encrypting serdes use.
 */
package io.kafkaenvelope.avro;
