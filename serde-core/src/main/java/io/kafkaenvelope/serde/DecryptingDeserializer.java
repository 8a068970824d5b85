package io.kafkaenvelope.serde;

import com.github.benmanes.caffeine.cache.Ticker;
import io.kafkaenvelope.config.EnvelopeConfig;
import io.kafkaenvelope.internal.events.EnvelopeEvents;
import io.kafkaenvelope.internal.field.FieldFormat;
import io.kafkaenvelope.internal.wire.InlineFrame;
import io.kafkaenvelope.internal.wire.Role;
import io.kafkaenvelope.kms.KeyManagementService;
import java.util.Map;
import java.util.Objects;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * The mirror of {@link EncryptingSerializer}: decrypts each record and hands the plaintext to an
 * inner deserializer.
 *
 * <pre>
 * value.deserializer=io.kafkaenvelope.serde.DecryptingDeserializer
 * envelope.inner.deserializer=org.apache.kafka.common.serialization.StringDeserializer
 * envelope.kms.type=local
 * </pre>
 *
 * Each distinct data key is unwrapped once per JVM and cached. A record is refused with an
 * {@link EnvelopeException} naming the topic, KEK, DEK and reason when it was tampered with, was
 * encrypted for another topic, needs a key the KMS will not unwrap, or carries no envelope (unless
 * {@code envelope.plaintext.policy=allow}). Null stays null. Thread-safe.
 *
 * @param <T> the type the inner deserializer returns
 */
public class DecryptingDeserializer<T> implements Deserializer<T> {

  private static final int DEFAULT_MAX_POLL_RECORDS = 500;

  private final boolean innerGiven;
  private final Class<?> defaultInner;
  /** The record format of field mode; {@code null}: field-mode records are refused. */
  private final FieldFormat format;
  private final Ticker ticker;
  private Deserializer<T> inner;
  /** The client's KIP-877 plugin metrics once handed over ({@code Monitorable*} serdes). */
  private volatile Object pluginMetrics;
  private KmsSupport.Bound<RecordDecryptor> keys;

  /**
   * For configuration by class name: the inner deserializer comes from {@code
   * envelope.inner.deserializer}.
   */
  public DecryptingDeserializer() {
    this.innerGiven = false;
    this.defaultInner = null;
    this.format = null;
    this.ticker = Ticker.systemTicker();
  }

  /**
   * For format-specific subclasses configured by class name: {@code defaultInner} is used when
   * the configuration names no inner deserializer.
   */
  @SuppressWarnings("rawtypes")
  protected DecryptingDeserializer(Class<? extends Deserializer> defaultInner) {
    this(defaultInner, null);
  }

  /**
   * For format modules (serde-avro, serde-json): as {@link #DecryptingDeserializer(Class)}, and
   * {@code format} opens the fields of records encrypted field by field (which it tells by
   * their headers, with no setting). Internal: {@code format} is serde-core's internal contract.
   */
  @SuppressWarnings("rawtypes")
  protected DecryptingDeserializer(Class<? extends Deserializer> defaultInner,
      FieldFormat format) {
    this.innerGiven = false;
    this.defaultInner = Objects.requireNonNull(defaultInner, "defaultInner");
    this.format = format;
    this.ticker = Ticker.systemTicker();
  }

  /** Wraps {@code inner}, which is used as given (configure it yourself). */
  public DecryptingDeserializer(Deserializer<T> inner) {
    this(inner, (FieldFormat) null);
  }

  /** For format modules: wraps {@code inner} (configure it yourself), with {@code format}. */
  protected DecryptingDeserializer(Deserializer<T> inner, FieldFormat format) {
    this(inner, format, Ticker.systemTicker());
  }

  DecryptingDeserializer(Deserializer<T> inner, Ticker ticker) {
    this(inner, null, ticker);
  }

  private DecryptingDeserializer(Deserializer<T> inner, FieldFormat format, Ticker ticker) {
    this.inner = Objects.requireNonNull(inner, "inner");
    this.innerGiven = true;
    this.defaultInner = null;
    this.format = format;
    this.ticker = ticker;
  }

  @Override
  @SuppressWarnings("unchecked")
  public void configure(Map<String, ?> configs, boolean isKey) {
    EnvelopeConfig config = EnvelopeConfig.forRole(configs, isKey);
    EnvelopeEvents events = KmsSupport.events(EnvelopeEvents.Side.DESERIALIZER, configs, isKey,
        ticker);
    KmsSupport.close(keys); // configured again: drop the previous KMS client
    keys = null;
    if (!innerGiven) {
      inner = InnerSerdes.load(config.innerClass(EnvelopeConfig.INNER_DESERIALIZER), defaultInner,
          Deserializer.class, EnvelopeConfig.INNER_DESERIALIZER,
          "to the deserializer that receives the decrypted bytes", isKey, inner);
      inner.configure(configs, isKey);
    }
    if (format != null) {
      format.configure(configs, isKey, new java.util.LinkedHashSet<>(config.fieldPatterns()));
    }
    Map<String, Object> resolved = EnvelopeConfig.resolveRole(configs, isKey);
    events.usePluginMetricsIfAny(pluginMetrics);
    keys = KmsSupport.open(config, resolved, events, ticker, kms -> new RecordDecryptor(config,
        Role.of(isKey), kms, KmsSupport.scope(resolved), maxPollRecords(configs), events));
  }

  /** Inline mode (no headers): the envelope must be framed inside {@code data}. */
  @Override
  public T deserialize(String topic, byte[] data) {
    return deserialize(topic, null, data);
  }

  @Override
  public T deserialize(String topic, Headers headers, byte[] data) {
    if (keys == null) {
      throw new IllegalStateException("DecryptingDeserializer used before configure()");
    }
    if (data == null) {
      return headers == null ? inner.deserialize(topic, (byte[]) null)
          : inner.deserialize(topic, headers, (byte[]) null);
    }
    RecordDecryptor worker = keys.worker;
    // the envelope header is looked up once: to tell record mode from field mode, and to open
    Header envelope = worker.envelopeHeader(headers);
    if (envelope == null && !InlineFrame.isInline(data)
        && worker.fields().hasFieldHeaders(headers)) {
      @SuppressWarnings("unchecked")
      T opened = (T) worker.fields().deserialize(topic, headers, data, format, inner);
      return opened;
    }
    byte[] plaintext = worker.decrypt(topic, headers, envelope, data);
    return headers == null ? inner.deserialize(topic, plaintext)
        : inner.deserialize(topic, headers, plaintext);
  }

  /** The consumer's {@code max.poll.records} (500 unless set), which bounds one poll. */
  private static int maxPollRecords(Map<String, ?> configs) {
    Object v = configs.get(ConsumerConfig.MAX_POLL_RECORDS_CONFIG);
    try {
      return v == null ? DEFAULT_MAX_POLL_RECORDS : Integer.parseInt(v.toString().trim());
    } catch (NumberFormatException e) {
      return DEFAULT_MAX_POLL_RECORDS; // the consumer itself rejects it
    }
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
   * Whether this deserializer's KMS and KEKs are usable, for readiness probes: the metadata of
   * {@code envelope.kek.id} and each exact id in {@code envelope.kek.allowed.ids} as the KMS
   * reports it (exists, enabled, a key that can unwrap). The KMS is asked at most once per
   * {@code envelope.kms.health.interval.ms}; calls in between return the last answer. Down before
   * {@code configure()} and after {@code close()}. Never throws.
   */
  public KeyManagementService.Health health() {
    return KmsSupport.health(keys, "DecryptingDeserializer");
  }

  @Override
  public void close() {
    KmsSupport.Bound<?> k = keys;
    keys = null;
    KmsSupport.close(k, inner);
  }

  @Override
  public String toString() {
    return KmsSupport.describe("DecryptingDeserializer", inner, keys);
  }
}
