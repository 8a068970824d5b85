package io.kafkaenvelope.serde;

import com.github.benmanes.caffeine.cache.Ticker;
import io.kafkaenvelope.config.EnvelopeConfig;
import io.kafkaenvelope.internal.events.EnvelopeEvents;
import io.kafkaenvelope.internal.field.FieldFormat;
import io.kafkaenvelope.internal.wire.Role;
import io.kafkaenvelope.kms.KeyManagementService;
import java.util.Map;
import java.util.Objects;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Serializer;

/**
 * A serializer that encrypts what an inner serializer produces. Set it as {@code value.serializer}
 * (or {@code key.serializer}) and name the inner serializer, the KMS and the KEK:
 *
 * <pre>
 * value.serializer=io.kafkaenvelope.serde.EncryptingSerializer
 * envelope.inner.serializer=org.apache.kafka.common.serialization.StringSerializer
 * envelope.kms.type=local
 * envelope.kek.id=orders
 * </pre>
 *
 * Each record is encrypted with AES-256-GCM under a data key that is cached and rotated by age,
 * record count and bytes; the key's wrapped form and the other envelope fields travel in the
 * {@code kafka-envelope.value} (or {@code .key}) header. Without headers
 * ({@link #serialize(String, Object)}, as Kafka Streams state stores call it) the envelope is
 * framed inside the value. Null stays null. Any failure throws a {@link EnvelopeException} (a
 * {@code SerializationException}); a record never goes out in plaintext because something failed.
 * Thread-safe.
 *
 * @param <T> the type the inner serializer takes
 */
public class EncryptingSerializer<T> implements Serializer<T> {

  private final boolean innerGiven;
  private final Class<?> defaultInner;
  private final Ticker ticker;
  /** The record format of field mode ({@code envelope.mode=field}); {@code null} for none. */
  private final FieldFormat format;
  private Serializer<T> inner;
  /** The client's KIP-877 plugin metrics once handed over ({@code Monitorable*} serdes). */
  private volatile Object pluginMetrics;
  private KmsSupport.Bound<RecordEncryptor> keys;
  private boolean alwaysInline;

  /**
   * For configuration by class name: the inner serializer comes from {@code
   * envelope.inner.serializer}.
   */
  public EncryptingSerializer() {
    this.innerGiven = false;
    this.defaultInner = null;
    this.ticker = Ticker.systemTicker();
    this.format = null;
  }

  /**
   * For format-specific subclasses configured by class name: {@code defaultInner} is used when
   * the configuration names no inner serializer.
   */
  @SuppressWarnings("rawtypes")
  protected EncryptingSerializer(Class<? extends Serializer> defaultInner) {
    this(defaultInner, null);
  }

  /**
   * For format modules (serde-avro, serde-json): as {@link #EncryptingSerializer(Class)}, and
   * {@code format} seals the chosen fields when {@code envelope.mode=field} (record mode
   * otherwise). Internal: {@code format} is serde-core's internal field contract.
   */
  @SuppressWarnings("rawtypes")
  protected EncryptingSerializer(Class<? extends Serializer> defaultInner, FieldFormat format) {
    this.innerGiven = false;
    this.defaultInner = Objects.requireNonNull(defaultInner, "defaultInner");
    this.ticker = Ticker.systemTicker();
    this.format = format;
  }

  /**
   * For format modules: wraps {@code inner} (configure it yourself), {@code format} sealing the
   * chosen fields when {@code envelope.mode=field}.
   */
  protected EncryptingSerializer(Serializer<T> inner, FieldFormat format) {
    this.inner = Objects.requireNonNull(inner, "inner");
    this.innerGiven = true;
    this.defaultInner = null;
    this.ticker = Ticker.systemTicker();
    this.format = format;
  }

  /**
   * Wraps {@code inner}, which is used as given (configure it yourself); {@link #configure} still
   * sets up the KMS and keys.
   */
  public EncryptingSerializer(Serializer<T> inner) {
    this(inner, Ticker.systemTicker());
  }

  EncryptingSerializer(Serializer<T> inner, Ticker ticker) {
    this(inner, ticker, null);
  }

  EncryptingSerializer(Serializer<T> inner, Ticker ticker, FieldFormat format) {
    this.inner = Objects.requireNonNull(inner, "inner");
    this.innerGiven = true;
    this.defaultInner = null;
    this.ticker = ticker;
    this.format = format;
  }

  @Override
  @SuppressWarnings("unchecked")
  public void configure(Map<String, ?> configs, boolean isKey) {
    EnvelopeConfig config = EnvelopeConfig.forRole(configs, isKey);
    EnvelopeEvents events = KmsSupport.events(EnvelopeEvents.Side.SERIALIZER, configs, isKey,
        ticker);
    KmsSupport.close(keys); // configured again: drop the previous KMS client and keys
    keys = null;
    if (!config.hasKek()) {
      throw new ConfigException("Set " + EnvelopeConfig.KEK_ID + " or "
          + EnvelopeConfig.KEK_ID_TEMPLATE + " to choose the key-encryption key");
    }
    if (!innerGiven) {
      inner = InnerSerdes.load(config.innerClass(EnvelopeConfig.INNER_SERIALIZER), defaultInner,
          Serializer.class, EnvelopeConfig.INNER_SERIALIZER,
          "to the serializer whose output is encrypted", isKey, inner);
      inner.configure(configs, isKey);
    }
    if (config.fieldMode() && format == null) {
      throw new ConfigException(EnvelopeConfig.MODE, "field", "field mode needs a format's "
          + "serializer, which knows how to find and encode fields: the field-level serializer "
          + "of serde-avro or serde-json (see docs/serdes.md), not " + getClass().getName());
    }
    if (format != null) {
      format.configure(configs, isKey, new java.util.LinkedHashSet<>(config.fieldPatterns()));
    }
    alwaysInline = config.alwaysInline();
    Map<String, Object> resolved = EnvelopeConfig.resolveRole(configs, isKey);
    events.usePluginMetricsIfAny(pluginMetrics);
    keys = KmsSupport.open(config, resolved, events, ticker,
        kms -> new RecordEncryptor(config, Role.of(isKey), kms, ticker,
            KmsSupport.scope(resolved), events));
  }

  /** Inline mode: the envelope is framed inside the returned bytes. */
  @Override
  public byte[] serialize(String topic, T data) {
    if (data != null && inner() != null && keys.worker.fields() != null) {
      return keys.worker.fields().serialize(topic, null, data, format, inner);
    }
    byte[] plaintext = inner().serialize(topic, data);
    return plaintext == null ? null : keys.worker.encryptInline(topic, plaintext);
  }

  /**
   * Header mode: the envelope goes into {@code headers} (inline in the value when there are none,
   * or when {@code envelope.framing=inline}).
   */
  @Override
  public byte[] serialize(String topic, Headers headers, T data) {
    if (headers == null) {
      return serialize(topic, data);
    }
    if (keys != null && keys.worker.fields() != null) {
      // field mode: the format seals the chosen fields, the value keeps its own framing
      return data == null ? inner.serialize(topic, headers, null)
          : keys.worker.fields().serialize(topic, headers, data, format, inner);
    }
    if (alwaysInline) {
      byte[] plaintext = inner().serialize(topic, headers, data);
      if (plaintext == null) {
        return null;
      }
      // a header left over from a forwarded record would describe another ciphertext
      RecordEncryptor.removeEnvelopeHeader(headers, keys.worker.role());
      return keys.worker.encryptInline(topic, headers, plaintext);
    }
    byte[] plaintext = inner().serialize(topic, headers, data);
    return plaintext == null ? null : keys.worker.encrypt(topic, headers, plaintext);
  }

  private Serializer<T> inner() {
    if (keys == null) {
      throw new IllegalStateException("EncryptingSerializer used before configure()");
    }
    return inner;
  }

  /**
   * Registers the metrics in the client's KIP-877 plugin metrics from now on (typed {@code
   * Object} so this class loads on kafka-clients 3.x); called by the {@code Monitorable*}
   * subclass.
   */
  void usePluginMetrics(Object pluginMetrics) {
    this.pluginMetrics = pluginMetrics;
    KmsSupport.Bound<?> k = keys;
    if (k != null) {
      k.events.usePluginMetrics(pluginMetrics);
    }
  }

  /**
   * Whether this serializer's KMS and KEK are usable, for readiness probes (a Spring Boot
   * {@code HealthIndicator}, a Kubernetes readiness endpoint): with {@code envelope.kek.id} the
   * KEK's metadata as the KMS reports it (exists, enabled, a key that can wrap data keys), with
   * a template each KEK used so far. The KMS is asked at most once per {@code
   * envelope.kms.health.interval.ms}; calls in between return the last answer. Down before
   * {@code configure()} and after {@code close()}. Never throws; the reason never contains key
   * material.
   */
  public KeyManagementService.Health health() {
    return KmsSupport.health(keys, "EncryptingSerializer");
  }

  @Override
  public void close() {
    KmsSupport.Bound<?> k = keys;
    keys = null;
    KmsSupport.close(k, inner);
  }

  @Override
  public String toString() {
    return KmsSupport.describe("EncryptingSerializer", inner, keys);
  }
}
