package io.kafkaenvelope.avro;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.generic.GenericData;
import org.apache.avro.message.BadHeaderException;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.MissingSchemaException;
import org.apache.avro.message.SchemaStore;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.util.ClassSecurityValidator;
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
        Map.of());
    this.schemasGiven = true;
  }

  /**
   * Avro 1.12.2+ instantiates only classes its {@link ClassSecurityValidator} trusts (by default
   * java.lang types, plus what the {@code org.apache.avro.SERIALIZABLE_PACKAGES} system property
   * lists). Naming a generated class in {@code envelope.avro.specific.class} is that trust decision
   * for its package, where the generator also puts the record's nested records and enums; nothing
   * else is added, and what a schema names elsewhere stays refused.
   */
  private static synchronized void trustGeneratedPackage(Class<?> specific) {
    String pkg = specific.getPackageName();
    ClassSecurityValidator.ClassSecurityPredicate current = ClassSecurityValidator.getGlobal();
    if (current.isTrusted(specific)) {
      return;
    }
    ClassSecurityValidator.setGlobal(ClassSecurityValidator.composite(current,
        cls -> cls.getPackageName().equals(pkg)));
  }

  /** Either one decoder into the reader schema, or one per writer schema (no reader schema). */
  private record Decoding<T>(BinaryMessageDecoder<T> toReader,
      Map<Long, BinaryMessageDecoder<T>> byFingerprint) {}

  @Override
  public void configure(Map<String, ?> configs, boolean isKey) {
    if (schemasGiven) {
      return;
    }
    AvroSerdeConfig config = AvroSerdeConfig.forRole(configs, isKey);
    Class<?> specific = config.getClass(AvroSerdeConfig.SPECIFIC_CLASS);
    if (specific != null) {
      trustGeneratedPackage(specific);
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
    if (reader != null) {
      SchemaStore.Cache store = new SchemaStore.Cache();
      writers.forEach(store::addSchema);
      BinaryMessageDecoder<T> d = new BinaryMessageDecoder<>(model, reader, store);
      decoding = new Decoding<>(d, Map.of()); // the reader schema is known to the decoder itself
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
    decoding = new Decoding<>(null, Map.copyOf(byFp));
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
          + AvroSerdeConfig.WRITER_SCHEMAS);
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
