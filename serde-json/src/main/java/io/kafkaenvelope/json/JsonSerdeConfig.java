package io.kafkaenvelope.json;

import com.fasterxml.jackson.databind.JsonNode;
import io.kafkaenvelope.config.EnvelopeConfig;
import java.util.Map;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;

/**
 * Settings of the Jackson deserializer ({@link JsonDeserializer}). For a key deserializer,
 * {@code envelope.key.json.<name>} overrides {@code envelope.json.<name>}.
 */
public final class JsonSerdeConfig extends AbstractConfig {

  public static final String TYPE = "envelope.json.type";
  public static final String FAIL_ON_UNKNOWN_PROPERTIES =
      "envelope.json.fail.on.unknown.properties";
  public static final String SCHEMA = "envelope.json.schema";

  private static final ConfigDef DEF = new ConfigDef()
      .define(TYPE, Type.CLASS, JsonNode.class, Importance.HIGH,
          "The class JSON values are read into: a POJO or record class, or "
              + "com.fasterxml.jackson.databind.JsonNode (default) for a tree.")
      .define(FAIL_ON_UNKNOWN_PROPERTIES, Type.BOOLEAN, false, Importance.LOW,
          "Whether a property the class does not declare fails the record. Off by default so "
              + "consumers keep reading when producers add fields (a tolerant reader); new fields "
              + "a consumer class adds take their Java default when absent from older records.")
      .define(SCHEMA, Type.STRING, null, Importance.MEDIUM,
          "Field-level encryption (envelope.mode=field): a JSON Schema whose keywords select "
              + "fields to encrypt: \"kafka-envelope.encrypt\": true (or a list of tag names) "
              + "and Confluent's \"confluent:tags\" matched against envelope.fields.tags. "
              + "Given as classpath:<resource>, a file path, or the schema itself (a value "
              + "starting with '{'). Patterns in envelope.fields that the schema does not declare "
              + "fail configure(). Read by the serializer; unset: fields are chosen by "
              + "envelope.fields only.");

  private JsonSerdeConfig(Map<String, ?> resolved) {
    super(DEF, resolved, false);
  }

  static JsonSerdeConfig forRole(Map<String, ?> configs, boolean isKey) {
    return new JsonSerdeConfig(EnvelopeConfig.resolveRole(configs, isKey));
  }

  /** The definitions, for documentation and for tools. */
  public static ConfigDef configDef() {
    return new ConfigDef(DEF);
  }
}
