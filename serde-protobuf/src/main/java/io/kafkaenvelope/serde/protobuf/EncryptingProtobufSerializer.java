package io.kafkaenvelope.serde.protobuf;

import io.kafkaenvelope.serde.EncryptingSerializer;

/**
 * An {@link EncryptingSerializer} for Protobuf. By class name it wraps the Protobuf serializer
 * named in {@code envelope.inner.serializer} (a schema registry's, e.g. Confluent's {@code
 * KafkaProtobufSerializer}; it must run on protobuf-java 4, see docs/serdes.md), which
 * receives the whole configuration map unchanged ({@code schema.registry.url}, ...); with none
 * named it uses the registry-less {@link ProtobufSerializer}. With a registry serde, consider
 * {@code envelope.clear.prefix} (docs/serdes.md).
 *
 * <pre>
 * value.serializer=io.kafkaenvelope.serde.protobuf.EncryptingProtobufSerializer
 * envelope.kms.type=aws-kms
 * envelope.kek.id=alias/orders
 * </pre>
 *
 * @param <T> the message type the inner serializer takes
 */
public class EncryptingProtobufSerializer<T> extends EncryptingSerializer<T> {

  public EncryptingProtobufSerializer() {
    super(ProtobufSerializer.class);
  }
}
