/**
 * The API: {@link io.kafkaenvelope.serde.EncryptingSerializer} and
 * {@link io.kafkaenvelope.serde.DecryptingDeserializer} wrap any Kafka serializer or
 * deserializer, {@link io.kafkaenvelope.serde.EnvelopeSerde} the pair for Kafka Streams,
 * {@link io.kafkaenvelope.serde.PlaintextKeyPartitioner} partitions encrypted keys by their
 * plaintext, and every failure is an {@link io.kafkaenvelope.serde.EnvelopeException} with a
 * reason. A record's path reads top to bottom in the package-private {@code RecordEncryptor}
 * (plan, reserve a nonce, pick the header, lay out, seal) and {@code RecordDecryptor} (find the
 * envelope, parse, check role, provenance and KEK policy, unwrap, open, decompress); field mode
 * ({@code envelope.mode=field}) in {@code FieldEncryptor} and {@code FieldDecryptor} on their
 * keys.
 */
package io.kafkaenvelope.serde;
