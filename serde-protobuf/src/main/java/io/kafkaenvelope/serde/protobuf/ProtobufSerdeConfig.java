package io.kafkaenvelope.serde.protobuf;

import io.kafkaenvelope.config.EnvelopeConfig;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.CaseInsensitiveValidString;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;

/**
 * Settings of the registry-less Protobuf serde ({@link ProtobufSerializer},
 * {@link ProtobufDeserializer}). They sit in the ordinary client configuration next to the
 * {@code envelope.*} settings; for a key serde, {@code envelope.key.protobuf.<name>} overrides
 * {@code envelope.protobuf.<name>}.
 */
public final class ProtobufSerdeConfig extends AbstractConfig {

  public static final String MESSAGE_CLASS = "envelope.protobuf.message.class";
  public static final String ENCODING = "envelope.protobuf.encoding";

  /** How a message is written: which of the two the serializer and deserializer agree on. */
  public enum Encoding {
    /** A {@code google.protobuf.Any}: the message's type URL and its bytes. */
    ANY,
    /** The message's bytes alone. */
    MESSAGE
  }

  private static final ConfigDef DEF = new ConfigDef()
      .define(MESSAGE_CLASS, Type.CLASS, null, Importance.HIGH,
          "Deserializer: the generated Protobuf message class (a com.google.protobuf.Message, "
              + "e.g. com.example.Order) records are parsed into, with its own parser. Required "
              + "by the deserializer; the serializer takes any generated message. Fields the "
              + "class does not know (written by a newer schema) are kept as unknown fields, and "
              + "fields it knows but a record lacks read as their defaults.")
      .define(ENCODING, Type.STRING, "any", CaseInsensitiveValidString.in("any", "message"),
          Importance.MEDIUM,
          "How a message is written inside the encrypted value; set the same on producers and "
              + "consumers. 'any' (default) writes a google.protobuf.Any (the message's type URL "
              + "and its bytes), so the deserializer refuses a record of another message type "
              + "with a SerializationException naming both types instead of misreading it. "
              + "'message' writes the bare message bytes, as most plain Protobuf producers do "
              + "(e.g. to read a plaintext topic being migrated, with "
              + "envelope.plaintext.policy=allow); a record of another type is then detected "
              + "only when its bytes do not parse.");

  private ProtobufSerdeConfig(Map<String, ?> resolved) {
    super(DEF, resolved, false);
  }

  /** The settings for one role (key overrides applied as for the envelope settings). */
  static ProtobufSerdeConfig forRole(Map<String, ?> configs, boolean isKey) {
    return new ProtobufSerdeConfig(EnvelopeConfig.resolveRole(configs, isKey));
  }

  Encoding encoding() {
    return Encoding.valueOf(getString(ENCODING).toUpperCase(Locale.ROOT));
  }

  /** The definitions, for documentation and for tools. */
  public static ConfigDef configDef() {
    return new ConfigDef(DEF);
  }
}
