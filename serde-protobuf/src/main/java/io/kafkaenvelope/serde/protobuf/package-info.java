/**
 * Protobuf without a schema registry: {@link io.kafkaenvelope.serde.protobuf.ProtobufSerializer},
 * {@link io.kafkaenvelope.serde.protobuf.ProtobufDeserializer} and {@link
 * io.kafkaenvelope.serde.protobuf.ProtobufSerde} write generated messages (by default as a {@code
 * google.protobuf.Any}, so a reader can check the type) and parse them into the generated class
 * named in {@code envelope.protobuf.message.class}; {@code EncryptingProtobufSerializer}, {@code
 * DecryptingProtobufDeserializer} and {@code EncryptingProtobufSerde} are the serde-core envelope
 * serdes with these as their default inner serdes, or around any Protobuf serde named in {@code
 * envelope.inner.*} (a schema registry's), so one class name in the client configuration does
 * both. {@link io.kafkaenvelope.serde.protobuf.ProtobufSerdeConfig} holds the settings; every class
 * here is public API.
 */
package io.kafkaenvelope.serde.protobuf;
