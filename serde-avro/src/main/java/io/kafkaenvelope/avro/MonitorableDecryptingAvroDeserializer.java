package io.kafkaenvelope.avro;

import io.kafkaenvelope.avro.internal.AvroFieldFormat;
import io.kafkaenvelope.serde.MonitorableDecryptingDeserializer;

/**
 * {@link DecryptingAvroDeserializer} with KIP-877 plugin metrics (kafka-clients 4.1 and
 * newer): its metrics appear among the consumer's own
 * ({@code kafka.consumer:type=plugins,...}) and in its reporters. On kafka-clients 3.x use
 * {@link DecryptingAvroDeserializer}.
 *
 * @param <T> the type the inner deserializer returns
 */
public class MonitorableDecryptingAvroDeserializer<T>
    extends MonitorableDecryptingDeserializer<T> {

  public MonitorableDecryptingAvroDeserializer() {
    super(AvroSingleObjectDeserializer.class,
        new AvroFieldFormat(AvroSerdeConfig::readerTarget));
  }
}
