package io.kafkaenvelope.cli;

import io.kafkaenvelope.config.EnvelopeConfig;
import io.kafkaenvelope.internal.wire.InlineFrame;
import io.kafkaenvelope.internal.wire.Role;
import io.kafkaenvelope.serde.DecryptingDeserializer;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * The deserializers a command decrypts with, configured from the client settings exactly as the
 * application's consumer is: the value's {@code DecryptingDeserializer} with its inner
 * deserializer ({@code envelope.inner.deserializer}; raw bytes when none is named), and one for
 * keys that carry an envelope. Keys without one go through {@code key.deserializer} (raw bytes
 * when none is named). A field-mode record ({@code envelope.mode=field}: field headers, its
 * fields encrypted one by one inside the format's own encoding) can only be opened by its
 * format's deserializer: when {@code value.deserializer} (or {@code key.deserializer}) names a
 * subclass of {@code DecryptingDeserializer}, such as serde-avro's {@code
 * DecryptingAvroDeserializer} or serde-json's {@code DecryptingJsonDeserializer}, field-mode
 * records go through it, configured with the unchanged settings; without one they fail as the
 * library refuses them ({@code MISCONFIGURED}, naming the formats).
 */
final class Decryptors implements AutoCloseable {

  private final DecryptingDeserializer<Object> value;
  private final DecryptingDeserializer<Object> key;
  private final Deserializer<Object> plainKey;
  /** The format's deserializers for field-mode records, or {@code null}. */
  private final Deserializer<Object> fieldValue;
  private final Deserializer<Object> fieldKey;

  /**
   * @param rawInner decrypt to bytes whatever inner deserializer is configured ({@code verify}
   *     and {@code reencrypt} need the plaintext bytes, not objects)
   */
  Decryptors(Map<String, Object> settings, boolean rawInner) {
    Map<String, Object> m = new HashMap<>(settings);
    if (rawInner) {
      m.put(EnvelopeConfig.INNER_DESERIALIZER, ByteArrayDeserializer.class.getName());
      m.remove("envelope.key.inner.deserializer");
    } else {
      m.putIfAbsent(EnvelopeConfig.INNER_DESERIALIZER, ByteArrayDeserializer.class.getName());
    }
    value = new DecryptingDeserializer<>();
    key = new DecryptingDeserializer<>();
    Deserializer<Object> pk = null;
    Deserializer<Object> fv = null;
    Deserializer<Object> fk = null;
    try {
      value.configure(m, false);
      key.configure(m, true);
      pk = plainKey(m, rawInner);
      fv = fieldFormat(settings, ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, false);
      fk = fieldFormat(settings, ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, true);
    } catch (RuntimeException e) {
      value.close();
      key.close();
      for (Deserializer<?> d : new Deserializer<?>[] {pk, fv, fk}) {
        if (d != null) {
          d.close();
        }
      }
      throw e;
    }
    plainKey = pk;
    fieldValue = fv;
    fieldKey = fk;
  }

  /**
   * The deserializer {@code setting} names when it is a format's subclass of {@code
   * DecryptingDeserializer} (which alone opens field-mode records), configured with {@code
   * settings}; otherwise {@code null}.
   */
  @SuppressWarnings("unchecked")
  private static Deserializer<Object> fieldFormat(Map<String, Object> settings, String setting,
      boolean isKey) {
    Object cls = settings.get(setting);
    String name = cls instanceof Class<?> c ? c.getName() : cls == null ? null
        : cls.toString().trim();
    if (name == null || name.equals(DecryptingDeserializer.class.getName())) {
      return null;
    }
    Class<?> c;
    try {
      c = Class.forName(name);
    } catch (ClassNotFoundException e) {
      return null; // not ours; plainKey reports a key deserializer that is missing
    }
    if (!DecryptingDeserializer.class.isAssignableFrom(c)) {
      return null;
    }
    Deserializer<Object> d;
    try {
      d = (Deserializer<Object>) c.getDeclaredConstructor().newInstance();
    } catch (ReflectiveOperationException e) {
      throw new CliException(ExitCode.CONFIG, setting + " names " + name + ", which has no "
          + "public no-argument constructor");
    }
    d.configure(settings, isKey);
    return d;
  }

  @SuppressWarnings("unchecked")
  private static Deserializer<Object> plainKey(Map<String, Object> m, boolean raw) {
    Object cls = m.get(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG);
    Deserializer<?> d;
    if (raw || cls == null || cls.toString().contains("DecryptingDeserializer")) {
      d = new ByteArrayDeserializer();
    } else {
      try {
        d = (Deserializer<?>) Class.forName(cls.toString().trim()).getDeclaredConstructor()
            .newInstance();
      } catch (ReflectiveOperationException | ClassCastException e) {
        throw new CliException(ExitCode.CONFIG, ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG
            + " names " + cls + ", which is not a Deserializer with a public no-argument "
            + "constructor on the classpath");
      }
      d.configure(m, true);
    }
    return (Deserializer<Object>) d;
  }

  /**
   * Whether the record's key carries an envelope (a key header, an inline frame or key field
   * headers).
   */
  static boolean keyEncrypted(ConsumerRecord<byte[], byte[]> r) {
    Header h = r.headers().lastHeader(Role.KEY.headerName());
    return (h != null && h.value() != null) || InlineFrame.isInline(r.key())
        || fieldMode(r, Role.KEY);
  }

  /** Whether the record's {@code role} part is in field mode (carries field headers). */
  static boolean fieldMode(ConsumerRecord<byte[], byte[]> r, Role role) {
    return r.headers().lastHeader(role.fieldsHeaderName()) != null;
  }

  /** The decrypted value; throws the deserializer's {@code EnvelopeException} on failure. */
  Object value(ConsumerRecord<byte[], byte[]> r) {
    Deserializer<Object> d = fieldValue != null && fieldMode(r, Role.VALUE) ? fieldValue : value;
    return d.deserialize(r.topic(), r.headers(), r.value());
  }

  /** The decrypted (or plain) key. */
  Object key(ConsumerRecord<byte[], byte[]> r) {
    if (r.key() == null) {
      return null;
    }
    if (!keyEncrypted(r)) {
      return plainKey.deserialize(r.topic(), r.headers(), r.key());
    }
    Deserializer<Object> d = fieldKey != null && fieldMode(r, Role.KEY) ? fieldKey : key;
    return d.deserialize(r.topic(), r.headers(), r.key());
  }

  @Override
  public void close() {
    value.close();
    key.close();
    plainKey.close();
    if (fieldValue != null) {
      fieldValue.close();
    }
    if (fieldKey != null) {
      fieldKey.close();
    }
  }
}
