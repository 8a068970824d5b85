package io.kafkaenvelope.avro;

import io.kafkaenvelope.serde.DecryptingDeserializer;

/**
 * A {@link DecryptingDeserializer} for Avro. By class name it wraps the Avro deserializer named in
 * {@code envelope.inner.deserializer} (e.g. Confluent's {@code KafkaAvroDeserializer} with
 * {@code specific.avro.reader=true}), which receives the whole configuration map unchanged; with
 * none named it uses the registry-less {@link AvroSingleObjectDeserializer} and its
 * {@code envelope.avro.*} settings.
 *
 * @param <T> the record type the inner deserializer returns
 */
public class DecryptingAvroDeserializer<T> extends DecryptingDeserializer<T> {

  public DecryptingAvroDeserializer() {
    super(AvroSingleObjectDeserializer.class);
  }
}
