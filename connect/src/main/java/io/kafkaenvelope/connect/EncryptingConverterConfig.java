package io.kafkaenvelope.connect;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.CaseInsensitiveValidString;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;

/**
 * The settings {@link EncryptingConverter} reads besides serde-core's {@code envelope.*} settings
 * (KMS, KEK, policies), which it passes on unchanged. In a Connect worker or connector
 * configuration they carry the converter's prefix: {@code value.converter.envelope.inner.converter}
 * and so on.
 */
public final class EncryptingConverterConfig extends AbstractConfig {

  /** The converter whose bytes are encrypted and which receives the decrypted bytes. */
  public static final String INNER_CONVERTER = "envelope.inner.converter";
  /**
   * Every setting starting with this prefix goes, without it, to the inner converter: {@code
   * envelope.inner.converter.schemas.enable=false} reaches a JsonConverter as {@code
   * schemas.enable=false}.
   */
  public static final String INNER_CONVERTER_PREFIX = INNER_CONVERTER + ".";
  /** What the sink side does with an encrypted record: decrypt it, or pass the ciphertext on. */
  public static final String SINK_MODE = "envelope.converter.sink.mode";
  /** In pass-through mode, how the self-contained ciphertext reaches the sink. */
  public static final String PASSTHROUGH_FORMAT = "envelope.converter.passthrough.format";

  /** What {@link EncryptingConverter#toConnectData} does with each record. */
  public enum SinkMode {
    /** Decrypt, then hand the plaintext bytes to the inner converter (default). */
    DECRYPT,
    /** Hand the sink the ciphertext as a self-contained inline envelope; no keys are used. */
    PASSTHROUGH
  }

  /** How pass-through mode hands the ciphertext to the sink. */
  public enum PassthroughFormat {
    /** The envelope's bytes, with Connect's optional BYTES schema (default). */
    BYTES,
    /** The envelope's bytes in Base64, with the optional STRING schema, for text-only sinks. */
    BASE64
  }

  private static final ConfigDef DEF = new ConfigDef()
      .define(INNER_CONVERTER, Type.CLASS, null, Importance.HIGH,
          "The converter that turns Connect data into bytes (source side; those bytes are "
              + "encrypted) and decrypted bytes into Connect data (sink side), e.g. "
              + "org.apache.kafka.connect.json.JsonConverter, "
              + "org.apache.kafka.connect.storage.StringConverter or a schema registry's Avro "
              + "converter. Its own settings go under the prefix '" + INNER_CONVERTER_PREFIX
              + "' (e.g. '" + INNER_CONVERTER_PREFIX + "schemas.enable=false'); it sees only "
              + "those, without the prefix. Required, except for a sink in " + SINK_MODE
              + "=passthrough.")
      .define(SINK_MODE, Type.STRING, "decrypt", CaseInsensitiveValidString.in("decrypt",
          "passthrough"), Importance.HIGH,
          "Sink side: 'decrypt' (default) decrypts each record under the envelope.* KEK policy "
              + "and hands the plaintext to the inner converter; a record that cannot be "
              + "decrypted fails the task (or goes where errors.tolerance sends it), never on "
              + "as plaintext. 'passthrough' hands the sink the ciphertext untouched, as one "
              + "self-contained inline envelope (a record whose envelope travels in a header "
              + "gets it framed into the value), so a sink that must store data encrypted "
              + "stores something any DecryptingDeserializer with the KEK can read later; no "
              + "KMS or key is used. A record with no envelope is refused in either mode "
              + "unless envelope.plaintext.policy=allow. The source side always encrypts.")
      .define(PASSTHROUGH_FORMAT, Type.STRING, "bytes", CaseInsensitiveValidString.in("bytes",
          "base64"), Importance.MEDIUM,
          "How " + SINK_MODE + "=passthrough hands the envelope to the sink: 'bytes' (default; "
              + "optional BYTES schema, for sinks that write binary values such as a "
              + "ByteArrayFormat) or 'base64' (optional STRING schema, for text sinks such as "
              + "files or JSON documents).");

  /** Parses the converter's settings; the {@code envelope.*} settings of serde-core are ignored. */
  public EncryptingConverterConfig(Map<String, ?> originals) {
    super(DEF, originals, false);
  }

  /** The definitions, for documentation and for Connect's validation. */
  public static ConfigDef configDef() {
    return new ConfigDef(DEF);
  }

  /** {@code envelope.inner.converter}, or {@code null} when not set. */
  public Class<?> innerConverter() {
    return getClass(INNER_CONVERTER);
  }

  /** The inner converter's own settings: those under the prefix, without it. */
  public Map<String, Object> innerConverterConfigs() {
    return new HashMap<>(originalsWithPrefix(INNER_CONVERTER_PREFIX, true));
  }

  public SinkMode sinkMode() {
    return SinkMode.valueOf(getString(SINK_MODE).toUpperCase(Locale.ROOT));
  }

  public PassthroughFormat passthroughFormat() {
    return PassthroughFormat.valueOf(getString(PASSTHROUGH_FORMAT).toUpperCase(Locale.ROOT));
  }
}
