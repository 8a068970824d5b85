package io.kafkaenvelope.avro;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericContainer;
import org.apache.avro.generic.GenericData;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Writes a {@code GenericRecord} or {@code SpecificRecord} in Avro's single-object encoding
 * ({@code C3 01}, the 8-byte CRC-64-AVRO fingerprint of the writer schema, the binary body) with
 * Avro's own {@link BinaryMessageEncoder}. No schema registry: the reader finds the writer schema
 * by fingerprint among the schemas it was configured with ({@link AvroSingleObjectDeserializer}).
 * Needs no settings. Thread-safe.
 *
 * @param <T> GenericRecord, a generated SpecificRecord class, or any Avro {@link GenericContainer}
 */
public class AvroSingleObjectSerializer<T> implements Serializer<T> {

  /** One encoder per record class (specific) or schema (generic); both are immutable. */
  private final ConcurrentHashMap<Object, BinaryMessageEncoder<T>> encoders =
      new ConcurrentHashMap<>();

  @Override
  public byte[] serialize(String topic, T data) {
    if (data == null) {
      return null;
    }
    if (!(data instanceof GenericContainer)) {
      throw new SerializationException("AvroSingleObjectSerializer takes Avro records "
          + "(GenericRecord or SpecificRecord), not " + data.getClass().getName());
    }
    BinaryMessageEncoder<T> encoder = encoder(data);
    ByteArrayOutputStream out = new ByteArrayOutputStream(128);
    try {
      encoder.encode(data, out);
    } catch (IOException | RuntimeException e) {
      // The message names the schema, never the record's contents.
      throw new SerializationException("cannot encode an Avro record of schema "
          + ((GenericContainer) data).getSchema().getFullName() + " for topic '" + topic + "': "
          + e.getClass().getSimpleName());
    }
    return out.toByteArray();
  }

  private BinaryMessageEncoder<T> encoder(T data) {
    boolean specific = data instanceof SpecificRecord;
    Object key = specific ? data.getClass() : ((GenericContainer) data).getSchema();
    BinaryMessageEncoder<T> e = encoders.get(key);
    if (e == null) {
      Schema schema = ((GenericContainer) data).getSchema();
      GenericData model = specific ? SpecificData.getForClass(data.getClass()) : GenericData.get();
      e = encoders.computeIfAbsent(key, k -> new BinaryMessageEncoder<>(model, schema));
    }
    return e;
  }
}
