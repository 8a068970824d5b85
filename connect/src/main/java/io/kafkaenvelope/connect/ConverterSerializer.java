package io.kafkaenvelope.connect;

import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.storage.Converter;

/**
 * A Connect {@link Converter} seen as a Kafka {@link Serializer} of {@link SchemaAndValue}, so
 * serde-core's {@code EncryptingSerializer} encrypts what the converter produces: the same
 * pipeline (DEK rotation, envelope header, fail-closed errors) as for producers, not a copy. The
 * converter is configured and closed by {@link EncryptingConverter}, which owns it.
 */
final class ConverterSerializer implements Serializer<SchemaAndValue> {

  private final Converter converter;

  ConverterSerializer(Converter converter) {
    this.converter = converter;
  }

  @Override
  public byte[] serialize(String topic, SchemaAndValue data) {
    return data == null ? null : converter.fromConnectData(topic, data.schema(), data.value());
  }

  @Override
  public byte[] serialize(String topic, Headers headers, SchemaAndValue data) {
    return data == null ? null
        : converter.fromConnectData(topic, headers, data.schema(), data.value());
  }

  @Override
  public void close() {
    // the converter belongs to EncryptingConverter, which closes it once
  }

  @Override
  public String toString() {
    return converter.getClass().getName();
  }
}
