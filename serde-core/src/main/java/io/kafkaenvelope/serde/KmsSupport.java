package io.kafkaenvelope.serde;

import com.github.benmanes.caffeine.cache.Ticker;
import io.kafkaenvelope.config.EnvelopeConfig;
import io.kafkaenvelope.internal.events.EnvelopeEvents;
import io.kafkaenvelope.internal.wire.Role;
import io.kafkaenvelope.internal.config.UnknownSettings;
import io.kafkaenvelope.kms.KeyManagementService;
import io.kafkaenvelope.kms.KmsProvider;
import io.kafkaenvelope.internal.kms.KmsProviders;
import java.io.Closeable;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.common.config.types.Password;

/** Creating the KMS client and naming its settings, shared by serializer and deserializer. */
final class KmsSupport {

  private static final String KMS_PREFIX = "envelope.kms.";

  private KmsSupport() {}

  /** What a serializer or deserializer builds on its KMS client: an encryptor or decryptor. */
  interface Worker {
    /**
     * {@code envelope.kms.check.on.configure}: asks the KMS whether the configured KEKs are
     * usable; throws a {@link org.apache.kafka.common.config.ConfigException} naming the KEK and
     * its setting when not.
     */
    void checkOnConfigure();

    /** Asks the KMS about the KEKs in use now, for {@code health()}. */
    KeyManagementService.Health probe();

    void close();
  }

  /**
   * A KMS client and the worker built on it, made together and closed together (the worker
   * first): the one lifecycle the serializer and the deserializer share.
   */
  static final class Bound<W extends Worker> implements AutoCloseable {
    final KeyManagementService kms;
    final W worker;
    final EnvelopeEvents events;
    final Readiness readiness;

    private Bound(KeyManagementService kms, W worker, EnvelopeEvents events, Ticker ticker,
        long healthIntervalMs) {
      this.kms = kms;
      this.worker = worker;
      this.events = events;
      this.readiness = new Readiness(worker::probe, ticker, healthIntervalMs);
    }

    @Override
    public void close() {
      try {
        worker.close();
      } finally {
        try {
          kms.close();
        } finally {
          events.close(); // its metrics leave JMX
        }
      }
    }
  }

  /**
   * Creates the configured KMS client and builds {@code build}'s worker on it; once both exist,
   * {@code events}' metrics are registered (JMX), to leave with the bound's {@code close()}.
   */
  static <W extends Worker> Bound<W> open(EnvelopeConfig config, Map<String, Object> resolved,
      EnvelopeEvents events, Ticker ticker, Function<KeyManagementService, W> build) {
    KmsProvider provider = KmsProviders.forType(config.kmsType());
    UnknownSettings.warnOnce(resolved.keySet(), knownSettings());
    KeyManagementService kms = provider.create(resolved);
    Bound<W> bound;
    try {
      bound = new Bound<>(kms, build.apply(kms), events, ticker, config.kmsHealthIntervalMs());
    } catch (RuntimeException e) {
      kms.close();
      throw e;
    }
    try {
      if (config.kmsCheckOnConfigure()) {
        bound.worker.checkOnConfigure();
      }
      events.registerJmx();
    } catch (RuntimeException e) {
      bound.close(); // the KMS client and the worker's threads must not outlive a failed configure
      throw e;
    }
    return bound;
  }

  /**
   * What a serializer or deserializer reports to, named by the {@code client.id} Kafka passes in
   * {@code configs} (a made-up name when there is none, as for a serde built by hand).
   */
  static EnvelopeEvents events(EnvelopeEvents.Side side, Map<String, ?> configs, boolean isKey,
      Ticker ticker) {
    Object clientId = configs.get(CommonClientConfigs.CLIENT_ID_CONFIG);
    return new EnvelopeEvents(side, Role.of(isKey), clientId == null ? null
        : clientId.toString(), ticker);
  }

  /** serde-core's settings and every KMS provider's on the classpath. */
  private static Set<String> knownSettings() {
    Set<String> known = new HashSet<>(EnvelopeConfig.configDef().names());
    known.add(EnvelopeConfig.FIELDS_KEK_PREFIX);
    known.add(EnvelopeConfig.FIELDS_MODE_PREFIX);
    known.add(EnvelopeConfig.FIELDS_SCOPE_PREFIX);
    for (KmsProvider p : KmsProviders.available().values()) {
      known.addAll(p.configDef().names());
    }
    return known;
  }

  /** A wrapper's {@code health()}: down until configured, then its worker's cached probe. */
  static KeyManagementService.Health health(Bound<?> bound, String wrapper) {
    if (bound == null) {
      return new KeyManagementService.Health(false, wrapper + " is not configured (or closed)",
          java.time.Instant.now());
    }
    return bound.readiness.get();
  }

  /**
   * The {@link org.apache.kafka.common.config.ConfigException} of a failed check at
   * {@code configure()}: names the KEK, the setting it came from, the KMS's answer and the way
   * out.
   */
  static org.apache.kafka.common.config.ConfigException checkFailed(String setting, String kekId,
      io.kafkaenvelope.kms.KmsException e) {
    return new org.apache.kafka.common.config.ConfigException(setting, kekId, "the KMS check at "
        + "configure() failed: " + e.getMessage() + ". Fix the KEK or the KMS settings, or set "
        + EnvelopeConfig.KMS_CHECK_ON_CONFIGURE + "=false to start without checking the KMS");
  }

  /** Closes {@code bound} if there is one (configured again, or closed). */
  static void close(Bound<?> bound) {
    if (bound != null) {
      bound.close();
    }
  }

  /** A wrapper's {@code close()}: its KMS client and worker, then the inner serde it wraps. */
  static void close(Bound<?> bound, Closeable inner) {
    try {
      close(bound);
    } finally {
      InnerSerdes.closeQuietly(inner);
    }
  }

  /** A wrapper's {@code toString}: its inner serde's class and its KMS, never secrets. */
  static String describe(String wrapper, Object inner, Bound<?> bound) {
    return wrapper + "{inner=" + (inner == null ? null : inner.getClass().getName()) + ", kms="
        + (bound == null ? null : bound.kms.describe()) + "}";
  }

  /**
   * A fingerprint of every {@code envelope.kms.*} setting: deserializers with equal fingerprints
   * talk to the same KMS with the same rights and may share unwrapped keys. Secrets enter only
   * through a SHA-256 digest, so the scope can be kept without keeping them.
   */
  static String scope(Map<String, Object> resolved) {
    Map<String, String> kms = new TreeMap<>();
    for (Map.Entry<String, Object> e : resolved.entrySet()) {
      if (e.getKey().startsWith(KMS_PREFIX)) {
        Object v = e.getValue();
        kms.put(e.getKey(), v instanceof Password ? ((Password) v).value() : String.valueOf(v));
      }
    }
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      for (Map.Entry<String, String> e : kms.entrySet()) {
        sha.update(e.getKey().getBytes(StandardCharsets.UTF_8));
        sha.update((byte) 0);
        sha.update(e.getValue().getBytes(StandardCharsets.UTF_8));
        sha.update((byte) 0);
      }
      return HexFormat.of().formatHex(sha.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
