package io.kafkaenvelope.serde.protobuf;

import com.google.protobuf.Message;
import org.apache.kafka.common.serialization.Serdes;

/**
 * {@link ProtobufSerializer} and {@link ProtobufDeserializer} as a Serde (Kafka Streams);
 * configure it with the {@code envelope.protobuf.*} settings.
 *
 * @param <T> the generated message type
 */
public class ProtobufSerde<T extends Message> extends Serdes.WrapperSerde<T> {

  public ProtobufSerde() {
    super(new ProtobufSerializer<>(), new ProtobufDeserializer<>());
  }
}
