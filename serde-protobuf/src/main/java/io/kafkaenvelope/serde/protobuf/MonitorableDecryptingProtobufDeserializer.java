package io.kafkaenvelope.serde.protobuf;

import io.kafkaenvelope.serde.MonitorableDecryptingDeserializer;

/**
 * {@link DecryptingProtobufDeserializer} with KIP-877 plugin metrics (kafka-clients 4.1 and
 * newer): its metrics appear among the consumer's own
 * ({@code kafka.consumer:type=plugins,...}) and in its reporters. On kafka-clients 3.x use
 * {@link DecryptingProtobufDeserializer}.
 *
 * @param <T> the type the inner deserializer returns
 */
public class MonitorableDecryptingProtobufDeserializer<T>
    extends MonitorableDecryptingDeserializer<T> {

  public MonitorableDecryptingProtobufDeserializer() {
    super(ProtobufDeserializer.class);
  }
}
