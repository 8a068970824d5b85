package io.kafkaenvelope.avro;

import io.kafkaenvelope.avro.internal.ReaderTarget;
import io.kafkaenvelope.avro.internal.SpecificTrust;
import io.kafkaenvelope.config.EnvelopeConfig;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificData;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;

/**
 * Settings of the registry-less Avro serde ({@link AvroSingleObjectDeserializer}). They sit in the
 * ordinary client configuration next to the {@code envelope.*} settings; for a key deserializer,
 * {@code envelope.key.avro.<name>} overrides {@code envelope.avro.<name>}.
 */
public final class AvroSerdeConfig extends AbstractConfig {

  public static final String READER_SCHEMA = "envelope.avro.reader.schema";
  public static final String SPECIFIC_CLASS = "envelope.avro.specific.class";
  public static final String WRITER_SCHEMAS = "envelope.avro.writer.schemas";

  private static final String LOCATION = "A location is a file path, or 'classpath:' followed by a "
      + "resource name (e.g. classpath:avro/order-v2.avsc).";

  private static final ConfigDef DEF = new ConfigDef()
      .define(READER_SCHEMA, Type.STRING, null, Importance.HIGH,
          "The schema records are read into (.avsc). Each record is resolved from the schema it "
              + "was written with to this one, so fields added with a default and removed fields "
              + "work as Avro's schema resolution allows. Defaults to the schema of "
              + SPECIFIC_CLASS + "; with neither set, each record is read with its own writer "
              + "schema, which must be listed in " + WRITER_SCHEMAS + ". " + LOCATION)
      .define(SPECIFIC_CLASS, Type.CLASS, null, Importance.MEDIUM,
          "A generated SpecificRecord class to decode into; unset means GenericRecord.")
      .define(WRITER_SCHEMAS, Type.LIST, List.of(), Importance.HIGH,
          "The schemas records may have been written with (.avsc), besides the reader schema. A "
              + "record names its writer schema only by fingerprint (Avro single-object "
              + "encoding), so a record written with a schema not listed here is refused. "
              + LOCATION);

  private AvroSerdeConfig(Map<String, ?> resolved) {
    super(DEF, resolved, false);
  }

  /** The settings for one role (key overrides applied as for the envelope settings). */
  static AvroSerdeConfig forRole(Map<String, ?> configs, boolean isKey) {
    return new AvroSerdeConfig(EnvelopeConfig.resolveRole(configs, isKey));
  }

  /**
   * What field-level encryption resolves decrypted records into: the reader schema (or the
   * specific class's schema) and the specific class; {@link ReaderTarget#WRITER} when neither is
   * set.
   */
  static ReaderTarget readerTarget(Map<String, ?> configs, boolean isKey) {
    AvroSerdeConfig config = forRole(configs, isKey);
    Class<?> specific = config.getClass(SPECIFIC_CLASS);
    Schema reader = null;
    if (specific != null) {
      SpecificTrust.trustGeneratedPackage(specific);
      reader = SpecificData.get().getSchema(specific);
    }
    String location = config.getString(READER_SCHEMA);
    if (location != null && !location.isBlank()) {
      reader = SchemaLocations.load(READER_SCHEMA, location);
    }
    List<Schema> known = new java.util.ArrayList<>();
    if (reader != null) {
      known.add(reader);
    }
    for (String loc : config.getList(WRITER_SCHEMAS)) {
      known.add(SchemaLocations.load(WRITER_SCHEMAS, loc));
    }
    return new ReaderTarget(reader, reader == null ? null : specific, known);
  }

  /** The definitions, for documentation and for tools. */
  public static ConfigDef configDef() {
    return new ConfigDef(DEF);
  }
}
