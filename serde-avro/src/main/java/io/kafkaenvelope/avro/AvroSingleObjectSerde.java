package io.kafkaenvelope.avro;

import org.apache.kafka.common.serialization.Serdes;

/**
 * {@link AvroSingleObjectSerializer} and {@link AvroSingleObjectDeserializer} as a Serde (Kafka
 * Streams); configure it with the deserializer's {@code envelope.avro.*} settings.
 *
 * @param <T> GenericRecord or a SpecificRecord class
 */
public class AvroSingleObjectSerde<T> extends Serdes.WrapperSerde<T> {

  public AvroSingleObjectSerde() {
    super(new AvroSingleObjectSerializer<>(), new AvroSingleObjectDeserializer<>());
  }
}
