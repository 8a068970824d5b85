package io.kafkaenvelope.serde;

import io.kafkaenvelope.config.EnvelopeConfig;
import io.kafkaenvelope.internal.field.FieldFormat;
import io.kafkaenvelope.kms.KeyManagementService;
import java.util.Map;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * An encrypting {@link Serde} for Kafka Streams and other serde users: an
 * {@link EncryptingSerializer} and a {@link DecryptingDeserializer} around an inner serde. Create
 * it with an inner serde ({@code new EnvelopeSerde<>(Serdes.String())}) and call
 * {@link #configure}, or name it by class (e.g. {@code default.value.serde}) together with
 * {@code envelope.inner.serde}. Both halves need the KMS settings and a KEK.
 *
 * @param <T> the type of the inner serde
 */
public class EnvelopeSerde<T> implements Serde<T> {

  private final Class<?> defaultInner;
  /** The record format of field mode ({@code envelope.mode=field}); {@code null} for none. */
  private final FieldFormat format;
  private Serde<T> inner;
  private EncryptingSerializer<T> serializer;
  private DecryptingDeserializer<T> deserializer;

  /** For configuration by class name: the inner serde comes from {@code envelope.inner.serde}. */
  public EnvelopeSerde() {
    this.defaultInner = null;
    this.format = null;
  }

  /**
   * For format-specific subclasses configured by class name: {@code defaultInner} is used when
   * the configuration names no inner serde.
   */
  @SuppressWarnings("rawtypes")
  protected EnvelopeSerde(Class<? extends Serde> defaultInner) {
    this(defaultInner, null);
  }

  /**
   * For format modules (serde-avro, serde-json): as {@link #EnvelopeSerde(Class)}, both halves
   * using {@code format} for field mode ({@code envelope.mode=field}). Internal: {@code format}
   * is serde-core's internal field contract.
   */
  @SuppressWarnings("rawtypes")
  protected EnvelopeSerde(Class<? extends Serde> defaultInner, FieldFormat format) {
    this.defaultInner = java.util.Objects.requireNonNull(defaultInner, "defaultInner");
    this.format = format;
  }

  /** Wraps {@code inner}, which is used as given (configure it yourself). */
  public EnvelopeSerde(Serde<T> inner) {
    this.defaultInner = null;
    this.format = null;
    this.inner = inner;
    this.serializer = new EncryptingSerializer<>(inner.serializer());
    this.deserializer = new DecryptingDeserializer<>(inner.deserializer());
  }

  @Override
  @SuppressWarnings("unchecked")
  public void configure(Map<String, ?> configs, boolean isKey) {
    if (inner == null) {
      inner = InnerSerdes.load(EnvelopeConfig.forRole(configs, isKey).innerClass(
          EnvelopeConfig.INNER_SERDE), defaultInner, Serde.class, EnvelopeConfig.INNER_SERDE,
          "to the serde whose bytes are encrypted", isKey, null);
      inner.configure(configs, isKey);
      serializer = new EncryptingSerializer<>(inner.serializer(), format);
      deserializer = new DecryptingDeserializer<>(inner.deserializer(), format);
    }
    Map<String, Object> withFraming = new java.util.HashMap<>(configs);
    // Inline unless set: Streams 4.3+ passes state-store serdes headers that are not stored.
    withFraming.putIfAbsent(EnvelopeConfig.FRAMING, "inline");
    serializer.configure(withFraming, isKey);
    deserializer.configure(configs, isKey);
  }

  @Override
  public Serializer<T> serializer() {
    requireConfigurable();
    return serializer;
  }

  @Override
  public Deserializer<T> deserializer() {
    requireConfigurable();
    return deserializer;
  }

  /**
   * Readiness of both halves ({@link EncryptingSerializer#health()}, {@link
   * DecryptingDeserializer#health()}): down, with that half's reason, when either is.
   */
  public KeyManagementService.Health health() {
    if (serializer == null) {
      return new KeyManagementService.Health(false, "EnvelopeSerde is not configured",
          java.time.Instant.now());
    }
    KeyManagementService.Health s = serializer.health();
    return s.up() ? deserializer.health() : s;
  }

  private void requireConfigurable() {
    if (serializer == null) {
      throw new IllegalStateException("EnvelopeSerde created by class name must be configured "
          + "before use");
    }
  }

  /**
   * Closes both halves (which close the inner serde's serializer and deserializer) and the inner
   * serde itself, which may hold more (a schema registry client, say).
   */
  @Override
  public void close() {
    try {
      InnerSerdes.closeQuietly(serializer);
      InnerSerdes.closeQuietly(deserializer);
    } finally {
      InnerSerdes.closeQuietly(inner);
    }
  }
}
