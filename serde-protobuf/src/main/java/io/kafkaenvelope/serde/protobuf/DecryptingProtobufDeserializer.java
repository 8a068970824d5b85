package io.kafkaenvelope.serde.protobuf;

import io.kafkaenvelope.serde.DecryptingDeserializer;

/**
 * A {@link DecryptingDeserializer} for Protobuf. By class name it wraps the Protobuf deserializer
 * named in {@code envelope.inner.deserializer} (a schema registry's, e.g. Confluent's {@code
 * KafkaProtobufDeserializer}; it must run on protobuf-java 4, see docs/serdes.md), which receives
 * the whole configuration map unchanged; with none named it uses the registry-less
 * {@link ProtobufDeserializer} and its {@code envelope.protobuf.*} settings
 * ({@code envelope.protobuf.message.class} is then required).
 *
 * @param <T> the message type the inner deserializer returns
 */
public class DecryptingProtobufDeserializer<T> extends DecryptingDeserializer<T> {

  public DecryptingProtobufDeserializer() {
    super(ProtobufDeserializer.class);
  }
}
