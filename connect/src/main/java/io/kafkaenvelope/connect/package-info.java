/**
 * Kafka Connect support: {@link io.kafkaenvelope.connect.EncryptingConverter}, a {@code
 * Converter} that wraps any other converter named in configuration, encrypts what it produces on
 * the source side (through serde-core's {@code EncryptingSerializer}, with the envelope in
 * Connect's record headers) and decrypts before it reads on the sink side (through {@code
 * DecryptingDeserializer}), or hands a sink the ciphertext as a self-contained inline envelope in
 * pass-through mode; and {@link io.kafkaenvelope.connect.EncryptingConverterConfig}, its settings
 * and {@code ConfigDef}. The rest is internal: {@code ConverterSerializer} adapts a converter to a
 * Kafka {@code Serializer}, {@code PassThrough} frames envelopes for pass-through sinks.
 */
package io.kafkaenvelope.connect;
