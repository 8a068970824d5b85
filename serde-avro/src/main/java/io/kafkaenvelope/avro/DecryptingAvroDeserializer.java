package io.kafkaenvelope.avro;

import io.kafkaenvelope.avro.internal.AvroFieldFormat;
import io.kafkaenvelope.serde.DecryptingDeserializer;

/**
 * A {@link DecryptingDeserializer} for Avro. By class name it wraps the Avro deserializer named in
 * {@code envelope.inner.deserializer} (e.g. Confluent's {@code KafkaAvroDeserializer} with
 * {@code specific.avro.reader=true}), which receives the whole configuration map unchanged; with
 * none named it uses the registry-less {@link AvroSingleObjectDeserializer} and its
 * {@code envelope.avro.*} settings.
 *
 * <p>Records encrypted field by field ({@code envelope.mode=field} on the producer) are told
 * apart by their headers, with no setting: the inner deserializer decodes the derived record,
 * the fields this reader's keys open are decrypted ({@code envelope.fields.unreadable} says what
 * happens to the others), and the record is resolved to {@code envelope.avro.reader.schema} or
 * {@code envelope.avro.specific.class} when set, with any inner deserializer.
 *
 * @param <T> the record type the inner deserializer returns
 */
public class DecryptingAvroDeserializer<T> extends DecryptingDeserializer<T> {

  public DecryptingAvroDeserializer() {
    super(AvroSingleObjectDeserializer.class, new AvroFieldFormat(AvroSerdeConfig::readerTarget));
  }
}
