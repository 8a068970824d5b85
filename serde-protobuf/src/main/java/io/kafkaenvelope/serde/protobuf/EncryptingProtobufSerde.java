package io.kafkaenvelope.serde.protobuf;

import io.kafkaenvelope.serde.EnvelopeSerde;

/**
 * An encrypting Protobuf serde for Kafka Streams (e.g. {@code default.value.serde}): wraps the
 * serde named in {@code envelope.inner.serde}, or {@link ProtobufSerde} when none is named.
 *
 * @param <T> the generated message type
 */
public class EncryptingProtobufSerde<T> extends EnvelopeSerde<T> {

  public EncryptingProtobufSerde() {
    super(ProtobufSerde.class);
  }
}
