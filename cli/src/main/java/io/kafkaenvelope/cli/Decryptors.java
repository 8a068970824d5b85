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
 * when none is named).
 */
final class Decryptors implements AutoCloseable {

  private final DecryptingDeserializer<Object> value;
  private final DecryptingDeserializer<Object> key;
  private final Deserializer<Object> plainKey;

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
    try {
      value.configure(m, false);
      key.configure(m, true);
      pk = plainKey(m, rawInner);
    } catch (RuntimeException e) {
      value.close();
      key.close();
      throw e;
    }
    plainKey = pk;
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

  /** Whether the record's key carries an envelope (a key header or an inline frame). */
  static boolean keyEncrypted(ConsumerRecord<byte[], byte[]> r) {
    Header h = r.headers().lastHeader(Role.KEY.headerName());
    return (h != null && h.value() != null) || InlineFrame.isInline(r.key());
  }

  /** The decrypted value; throws the deserializer's {@code EnvelopeException} on failure. */
  Object value(ConsumerRecord<byte[], byte[]> r) {
    return value.deserialize(r.topic(), r.headers(), r.value());
  }

  /** The decrypted (or plain) key. */
  Object key(ConsumerRecord<byte[], byte[]> r) {
    if (r.key() == null) {
      return null;
    }
    return keyEncrypted(r) ? key.deserialize(r.topic(), r.headers(), r.key())
        : plainKey.deserialize(r.topic(), r.headers(), r.key());
  }

  @Override
  public void close() {
    value.close();
    key.close();
    plainKey.close();
  }
}
