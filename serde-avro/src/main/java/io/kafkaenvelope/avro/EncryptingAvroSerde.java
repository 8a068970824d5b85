package io.kafkaenvelope.avro;

import io.kafkaenvelope.avro.internal.AvroFieldFormat;
import io.kafkaenvelope.serde.EnvelopeSerde;

/**
 * An encrypting Avro serde for Kafka Streams (e.g. {@code default.value.serde}): wraps the serde
 * named in {@code envelope.inner.serde}, or {@link AvroSingleObjectSerde} when none is named.
 *
 * @param <T> GenericRecord or a SpecificRecord class
 */
public class EncryptingAvroSerde<T> extends EnvelopeSerde<T> {

  public EncryptingAvroSerde() {
    super(AvroSingleObjectSerde.class, new AvroFieldFormat(AvroSerdeConfig::readerTarget));
  }
}
