package io.kafkaenvelope.avro;

import io.kafkaenvelope.avro.internal.AvroFieldFormat;
import io.kafkaenvelope.serde.MonitorableEncryptingSerializer;

/**
 * {@link EncryptingAvroSerializer} with KIP-877 plugin metrics (kafka-clients 4.1 and
 * newer): the same serializer, whose metrics appear among the producer's own ({@code
 * kafka.producer:type=plugins,...}) and in its reporters, under the names docs/metrics.md lists.
 * On kafka-clients 3.x use {@link EncryptingAvroSerializer} (this class cannot load there).
 *
 * <pre>
 * value.serializer=io.kafkaenvelope.avro.MonitorableEncryptingAvroSerializer
 * </pre>
 *
 * @param <T> the type the inner serializer takes
 */
public class MonitorableEncryptingAvroSerializer<T> extends MonitorableEncryptingSerializer<T> {

  public MonitorableEncryptingAvroSerializer() {
    super(AvroSingleObjectSerializer.class, new AvroFieldFormat(AvroSerdeConfig::readerTarget));
  }
}
