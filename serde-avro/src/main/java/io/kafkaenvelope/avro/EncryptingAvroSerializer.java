package io.kafkaenvelope.avro;

import io.kafkaenvelope.avro.internal.AvroFieldFormat;
import io.kafkaenvelope.serde.EncryptingSerializer;

/**
 * An {@link EncryptingSerializer} for Avro. By class name it wraps the Avro serializer named in
 * {@code envelope.inner.serializer} (e.g. Confluent's {@code KafkaAvroSerializer} or Apicurio's
 * {@code AvroKafkaSerializer}), which receives the whole configuration map unchanged
 * ({@code schema.registry.url}, {@code apicurio.registry.url}, ...); with none named it uses the
 * registry-less {@link AvroSingleObjectSerializer}. With a registry serde, consider
 * {@code envelope.clear.prefix} (docs/serdes.md).
 *
 * <p>With {@code envelope.mode=field} it encrypts only the chosen fields ({@code envelope.fields},
 * the {@code kafka-envelope.encrypt} field property, or {@code confluent:tags} matched by {@code
 * envelope.fields.tags}) and hands the inner serializer a GenericRecord of the derived schema,
 * in which each encrypted field is {@code bytes} (docs/serdes.md, "Field-level encryption
 * (Avro)").
 *
 * <pre>
 * value.serializer=io.kafkaenvelope.avro.EncryptingAvroSerializer
 * envelope.inner.serializer=io.confluent.kafka.serializers.KafkaAvroSerializer
 * schema.registry.url=http://registry:8081
 * envelope.kms.type=aws-kms
 * envelope.kek.id=alias/orders
 * </pre>
 *
 * @param <T> the record type the inner serializer takes
 */
public class EncryptingAvroSerializer<T> extends EncryptingSerializer<T> {

  public EncryptingAvroSerializer() {
    super(AvroSingleObjectSerializer.class, new AvroFieldFormat(AvroSerdeConfig::readerTarget));
  }
}
