package io.kafkaenvelope.avro;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import io.kafkaenvelope.avro.internal.FieldSchemas;
import io.kafkaenvelope.avro.internal.SpecificTrust;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.generic.GenericData;
import org.apache.avro.message.BadHeaderException;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.MissingSchemaException;
import org.apache.avro.message.SchemaStore;
import org.apache.avro.specific.SpecificData;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Reads Avro single-object encoding with Avro's own {@link BinaryMessageDecoder} and
 * {@link SchemaStore}: the record's fingerprint selects its writer schema among those configured
 * ({@code envelope.avro.writer.schemas} and the reader schema), and Avro's schema resolution turns
 * it into the reader schema ({@code envelope.avro.reader.schema}, or the schema of
 * {@code envelope.avro.specific.class}). A record written with an unknown schema is refused with a
 * {@link SerializationException} naming its fingerprint. Thread-safe.
 *
 * <p>Without a reader schema or specific class, each record is read with its own writer schema
 * (as a GenericRecord).
 *
 * @param <T> GenericRecord or the configured SpecificRecord class
 */
public class AvroSingleObjectDeserializer<T> implements Deserializer<T> {

  private final boolean schemasGiven;
  private volatile Decoding<T> decoding;

  /** For configuration by class name, from the {@code envelope.avro.*} settings. */
  public AvroSingleObjectDeserializer() {
    this.schemasGiven = false;
  }

  /**
   * Reads into {@code readerSchema} with {@code model} ({@code GenericData.get()}, or
   * {@code SpecificData.getForClass(cls)} for generated classes), recognizing records written with
   * it or with any of {@code writerSchemas}. {@link #configure} then changes nothing.
   */
  public AvroSingleObjectDeserializer(GenericData model, Schema readerSchema,
      Schema... writerSchemas) {
    SchemaStore.Cache store = new SchemaStore.Cache();
    for (Schema w : writerSchemas) {
      store.addSchema(w);
    }
    this.decoding = new Decoding<>(new BinaryMessageDecoder<>(model, readerSchema, store),
        Map.of(), Map.of());
    this.schemasGiven = true;
  }

  /**
   * Either one decoder into the reader schema, or one per writer schema (no reader schema); and
   * one per derived schema of field-level encryption, which decodes as itself (a GenericRecord
   * that the envelope's field format then decrypts and resolves to the reader schema).
   */
  private record Decoding<T>(BinaryMessageDecoder<T> toReader,
      Map<Long, BinaryMessageDecoder<T>> byFingerprint,
      Map<Long, BinaryMessageDecoder<T>> derived) {}

  @Override
  public void configure(Map<String, ?> configs, boolean isKey) {
    if (schemasGiven) {
      return;
    }
    AvroSerdeConfig config = AvroSerdeConfig.forRole(configs, isKey);
    Class<?> specific = config.getClass(AvroSerdeConfig.SPECIFIC_CLASS);
    if (specific != null) {
      SpecificTrust.trustGeneratedPackage(specific);
    }
    GenericData model = specific == null ? GenericData.get() : SpecificData.getForClass(specific);
    Schema reader = null;
    if (specific != null) {
      reader = SpecificData.get().getSchema(specific);
    }
    String readerLocation = config.getString(AvroSerdeConfig.READER_SCHEMA);
    if (readerLocation != null && !readerLocation.isBlank()) {
      reader = SchemaLocations.load(AvroSerdeConfig.READER_SCHEMA, readerLocation);
    }
    List<Schema> writers = new ArrayList<>();
    for (String loc : config.getList(AvroSerdeConfig.WRITER_SCHEMAS)) {
      writers.add(SchemaLocations.load(AvroSerdeConfig.WRITER_SCHEMAS, loc));
    }
    Map<Long, BinaryMessageDecoder<T>> derived = derivedDecoders(configs, isKey, reader, writers);
    if (reader != null) {
      SchemaStore.Cache store = new SchemaStore.Cache();
      writers.forEach(store::addSchema);
      BinaryMessageDecoder<T> d = new BinaryMessageDecoder<>(model, reader, store);
      // the reader schema is known to the decoder itself
      decoding = new Decoding<>(d, Map.of(), derived);
      return;
    }
    if (writers.isEmpty()) {
      throw new ConfigException("Set " + AvroSerdeConfig.READER_SCHEMA + ", "
          + AvroSerdeConfig.SPECIFIC_CLASS + " or " + AvroSerdeConfig.WRITER_SCHEMAS
          + ": a single-object encoded record carries only its schema's fingerprint");
    }
    Map<Long, BinaryMessageDecoder<T>> byFp = new java.util.HashMap<>();
    for (Schema w : writers) {
      byFp.put(SchemaNormalization.parsingFingerprint64(w), new BinaryMessageDecoder<>(model, w));
    }
    decoding = new Decoding<>(null, Map.copyOf(byFp), derived);
  }

  /**
   * Field-level encryption: a producer writes each record in a schema derived from its writer
   * schema (encrypted fields become bytes), whose fingerprint this reader can only know by
   * deriving it the same way: from the schemas it knows, with the same {@code envelope.fields}
   * and {@code envelope.fields.tags} as the producer (annotated fields need no setting).
   */
  private static <T> Map<Long, BinaryMessageDecoder<T>> derivedDecoders(Map<String, ?> configs,
      boolean isKey, Schema reader, List<Schema> writers) {
    List<Schema> known = new ArrayList<>(writers);
    if (reader != null) {
      known.add(reader);
    }
    Map<Long, BinaryMessageDecoder<T>> out = new java.util.HashMap<>();
    java.util.Set<Long> originals = new java.util.HashSet<>();
    known.forEach(k -> originals.add(SchemaNormalization.parsingFingerprint64(k)));
    Map<Long, Long> writerOf = new java.util.HashMap<>();
    for (FieldSchemas.Derived d : FieldSchemas.derived(configs, isKey, known)) {
      long fp = SchemaNormalization.parsingFingerprint64(d.derived());
      long writerFp = SchemaNormalization.parsingFingerprint64(d.writer());
      Long before = writerOf.putIfAbsent(fp, writerFp);
      // Fingerprints ignore properties: a derived schema equal to a writer schema once its
      // encrypted fields are bytes, or to another derived schema from a different writer
      // schema, could not be told apart and would be read with the wrong field schemas.
      if (originals.contains(fp) || (before != null && before != writerFp)) {
        throw new ConfigException(AvroSerdeConfig.WRITER_SCHEMAS, d.writer().getFullName(),
            "with field-level encryption this schema's derived schema has the fingerprint of "
                + "another schema (e.g. every encrypted field is of type bytes); single-object "
                + "encoding cannot tell them apart: use a schema registry");
      }
      out.put(fp, new BinaryMessageDecoder<>(GenericData.get(), d.derived()));
    }
    return Map.copyOf(out);
  }

  @Override
  public T deserialize(String topic, byte[] data) {
    if (data == null) {
      return null;
    }
    Decoding<T> d = decoding;
    if (d == null) {
      throw new IllegalStateException("AvroSingleObjectDeserializer used before configure()");
    }
    try {
      if (!d.derived.isEmpty() && data.length >= 10) {
        BinaryMessageDecoder<T> fieldMode = d.derived.get(fingerprint(data));
        if (fieldMode != null) {
          return fieldMode.decode(data);
        }
      }
      if (d.toReader != null) {
        return d.toReader.decode(data);
      }
      BinaryMessageDecoder<T> w = d.byFingerprint.get(fingerprint(data));
      if (w == null) {
        throw new MissingSchemaException("unknown fingerprint");
      }
      return w.decode(data);
    } catch (MissingSchemaException e) {
      throw new SerializationException("Avro record from topic '" + topic + "' was written with "
          + "an unknown schema (fingerprint " + fingerprintHex(data) + "); add that schema to "
          + AvroSerdeConfig.WRITER_SCHEMAS + " (with field-level encryption: the same "
          + "envelope.fields and envelope.fields.tags as the producer)");
    } catch (BadHeaderException e) {
      throw new SerializationException("value from topic '" + topic + "' is not Avro "
          + "single-object encoding: " + e.getMessage());
    } catch (IOException | AvroRuntimeException | IndexOutOfBoundsException e) {
      throw new SerializationException("cannot decode Avro record from topic '" + topic + "': "
          + e.getClass().getSimpleName());
    }
  }

  /** The writer fingerprint of a single-object encoded record (little-endian after C3 01). */
  private static long fingerprint(byte[] data) {
    if (data.length < 10 || data[0] != (byte) 0xC3 || data[1] != 0x01) {
      throw new BadHeaderException("missing the C3 01 marker");
    }
    long fp = 0;
    for (int i = 9; i >= 2; i--) {
      fp = (fp << 8) | (data[i] & 0xFF);
    }
    return fp;
  }

  private static String fingerprintHex(byte[] data) {
    return data.length < 10 ? "(none)" : HexFormat.of().formatHex(data, 2, 10);
  }
}
