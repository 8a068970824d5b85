package io.kafkaenvelope.connect;

import io.kafkaenvelope.config.EnvelopeConfig;
import io.kafkaenvelope.config.EnvelopeConfig.PlaintextPolicy;
import io.kafkaenvelope.connect.EncryptingConverterConfig.SinkMode;
import io.kafkaenvelope.internal.wire.Role;
import io.kafkaenvelope.serde.DecryptingDeserializer;
import io.kafkaenvelope.serde.EncryptingSerializer;
import io.kafkaenvelope.serde.EnvelopeException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.connect.components.Versioned;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.storage.Converter;

/**
 * A Kafka Connect {@link Converter} that encrypts what another converter produces and decrypts
 * before another converter reads. Set it as a worker's or connector's {@code value.converter}
 * (or {@code key.converter}; Connect tells it which) and name the inner converter, the KMS and
 * the KEK, with the converter's prefix:
 *
 * <pre>
 * value.converter=io.kafkaenvelope.connect.EncryptingConverter
 * value.converter.envelope.inner.converter=org.apache.kafka.connect.json.JsonConverter
 * value.converter.envelope.inner.converter.schemas.enable=false
 * value.converter.envelope.kms.type=aws-kms
 * value.converter.envelope.kms.aws.region=eu-west-1
 * value.converter.envelope.kek.id=alias/kafka-orders
 * </pre>
 *
 * <p>Source side ({@link #fromConnectData(String, Headers, Schema, Object)}): the inner converter
 * turns the Connect data into bytes, which serde-core's {@link EncryptingSerializer} encrypts;
 * the envelope goes into the record's headers, which Connect hands to the producer. Sink side
 * ({@link #toConnectData(String, Headers, byte[])}): by default each record is decrypted under
 * the {@code envelope.kek.*} policy, as {@link DecryptingDeserializer} does, and the plaintext is
 * handed to the inner converter; with {@code envelope.converter.sink.mode=passthrough} the sink
 * gets the ciphertext instead, as a self-contained inline envelope (see {@link
 * EncryptingConverterConfig#SINK_MODE}).
 *
 * <p>Fails closed: a record that cannot be encrypted or decrypted throws a {@link DataException}
 * whose cause is the {@link EnvelopeException} with its typed reason, so Connect fails the task
 * (or skips the record under {@code errors.tolerance=all}); nothing goes on in plaintext.
 * Configuration mistakes throw a {@link ConfigException} naming the setting. Connect configures
 * one instance for a task whether it reads or writes, so the encrypting side is set up only when
 * a KEK is named ({@code envelope.kek.id} or the template; a sink may name only {@code
 * envelope.kek.allowed.ids} or discovery), and using a side that is not set up fails with the
 * setting to add. Thread-safe as the serde-core classes are.
 */
public class EncryptingConverter implements Converter, Versioned {

  private Role role = Role.VALUE;
  private Converter inner;
  private EncryptingSerializer<SchemaAndValue> encryptor;
  private String encryptorMissing = "configure() was not called";
  private DecryptingDeserializer<byte[]> decryptor;
  private PassThrough passThrough;

  @Override
  public void configure(Map<String, ?> configs, boolean isKey) {
    close();
    role = Role.of(isKey);
    EncryptingConverterConfig config = new EncryptingConverterConfig(configs);
    EnvelopeConfig envelope = EnvelopeConfig.forRole(configs, isKey);
    SinkMode mode = config.sinkMode();
    Class<?> innerClass = config.innerConverter();
    if (innerClass == null && mode == SinkMode.DECRYPT) {
      throw new ConfigException("Set " + EncryptingConverterConfig.INNER_CONVERTER + " to the "
          + "converter whose bytes are encrypted and which reads the decrypted bytes (e.g. "
          + "org.apache.kafka.connect.json.JsonConverter); only a sink with "
          + EncryptingConverterConfig.SINK_MODE + "=passthrough needs none");
    }
    try {
      if (innerClass != null) {
        inner = newInner(innerClass);
        inner.configure(config.innerConverterConfigs(), isKey);
      }
      if (inner == null) {
        encryptorMissing = "set " + EncryptingConverterConfig.INNER_CONVERTER
            + " to encrypt (this converter was configured as a pass-through sink)";
      } else if (!envelope.hasKek()) {
        encryptorMissing = "set " + EnvelopeConfig.KEK_ID + " or "
            + EnvelopeConfig.KEK_ID_TEMPLATE + " to encrypt (this converter was configured "
            + "without a KEK, as for a sink)";
      } else {
        EncryptingSerializer<SchemaAndValue> e =
            new EncryptingSerializer<>(new ConverterSerializer(inner));
        encryptor = e;
        e.configure(configs, isKey);
        encryptorMissing = null;
      }
      if (mode == SinkMode.DECRYPT) {
        DecryptingDeserializer<byte[]> d =
            new DecryptingDeserializer<>(new ByteArrayDeserializer());
        decryptor = d;
        d.configure(configs, isKey);
      } else {
        passThrough = new PassThrough(role, config.passthroughFormat(),
            envelope.plaintextPolicy() == PlaintextPolicy.ALLOW);
      }
    } catch (RuntimeException e) {
      close();
      throw e;
    }
  }

  private static Converter newInner(Class<?> cls) {
    if (!Converter.class.isAssignableFrom(cls)) {
      throw new ConfigException(EncryptingConverterConfig.INNER_CONVERTER, cls.getName(),
          "is not a " + Converter.class.getName() + "; name a Connect converter");
    }
    if (EncryptingConverter.class.isAssignableFrom(cls)) {
      throw new ConfigException(EncryptingConverterConfig.INNER_CONVERTER, cls.getName(),
          "would encrypt twice; name the converter that produces the plaintext bytes");
    }
    try {
      return Utils.newInstance(cls, Converter.class);
    } catch (KafkaException e) {
      throw new ConfigException(EncryptingConverterConfig.INNER_CONVERTER, cls.getName(),
          "cannot be instantiated (it needs a public no-argument constructor): "
              + e.getMessage());
    }
  }

  /**
   * Without headers the envelope is framed inside the value ({@code envelope.framing=inline}
   * behaviour); Connect's workers call {@link #fromConnectData(String, Headers, Schema, Object)}.
   */
  @Override
  public byte[] fromConnectData(String topic, Schema schema, Object value) {
    return fromConnectData(topic, null, schema, value);
  }

  @Override
  public byte[] fromConnectData(String topic, Headers headers, Schema schema, Object value) {
    EncryptingSerializer<SchemaAndValue> e = encryptor;
    if (e == null) {
      throw new DataException("EncryptingConverter (" + role + ") cannot encrypt records for "
          + "topic '" + topic + "': " + encryptorMissing);
    }
    try {
      SchemaAndValue data = new SchemaAndValue(schema, value);
      return headers == null ? e.serialize(topic, data) : e.serialize(topic, headers, data);
    } catch (EnvelopeException failure) {
      throw new DataException("EncryptingConverter (" + role + "): " + failure.getMessage(),
          failure);
    }
  }

  @Override
  public SchemaAndValue toConnectData(String topic, byte[] value) {
    return toConnectData(topic, null, value);
  }

  @Override
  public SchemaAndValue toConnectData(String topic, Headers headers, byte[] value) {
    PassThrough p = passThrough;
    if (p != null) {
      return p.toConnectData(topic, headers, value);
    }
    DecryptingDeserializer<byte[]> d = decryptor;
    if (d == null) {
      throw new DataException("EncryptingConverter (" + role + ") used before configure()");
    }
    byte[] plaintext;
    try {
      plaintext = d.deserialize(topic, headers, value);
    } catch (EnvelopeException failure) {
      throw new DataException("EncryptingConverter (" + role + "): " + failure.getMessage(),
          failure);
    }
    return headers == null ? inner.toConnectData(topic, plaintext)
        : inner.toConnectData(topic, headers, plaintext);
  }

  @Override
  public ConfigDef config() {
    return EncryptingConverterConfig.configDef();
  }

  /** This module's version, from the Maven metadata in its jar ("unknown" outside a jar). */
  @Override
  public String version() {
    return VERSION;
  }

  private static final String VERSION = readVersion();

  private static String readVersion() {
    try (InputStream in = EncryptingConverter.class.getResourceAsStream(
        "/META-INF/maven/io.kafkaenvelope/kafka-envelope-connect/pom.properties")) {
      if (in == null) {
        return "unknown";
      }
      Properties p = new Properties();
      p.load(in);
      return p.getProperty("version", "unknown");
    } catch (IOException e) {
      return "unknown";
    }
  }

  @Override
  public void close() {
    EncryptingSerializer<?> e = encryptor;
    DecryptingDeserializer<?> d = decryptor;
    Converter c = inner;
    encryptor = null;
    decryptor = null;
    inner = null;
    passThrough = null;
    encryptorMissing = "the converter is closed";
    if (e != null) {
      Utils.closeQuietly(e, "encrypting serializer");
    }
    if (d != null) {
      Utils.closeQuietly(d, "decrypting deserializer");
    }
    if (c != null) {
      Utils.closeQuietly(c, c.getClass().getName());
    }
  }

  @Override
  public String toString() {
    return "EncryptingConverter(" + role + ", inner=" + (inner == null ? "none"
        : inner.getClass().getName()) + ", " + (passThrough != null ? "passthrough" : "decrypt")
        + ")";
  }
}
