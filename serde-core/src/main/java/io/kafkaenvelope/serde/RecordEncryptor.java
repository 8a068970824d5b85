package io.kafkaenvelope.serde;

import com.github.benmanes.caffeine.cache.Ticker;
import io.kafkaenvelope.config.EnvelopeConfig;
import io.kafkaenvelope.config.EnvelopeConfig.ClearPrefix;
import io.kafkaenvelope.config.EnvelopeConfig.UnresolvedKekPolicy;
import io.kafkaenvelope.crypto.AesGcm;
import io.kafkaenvelope.dek.DekRotator;
import io.kafkaenvelope.dek.RotationLimits;
import io.kafkaenvelope.kek.KekSelector;
import io.kafkaenvelope.kms.KeyManagementService;
import io.kafkaenvelope.kms.KmsException;
import io.kafkaenvelope.serde.EnvelopeException.Reason;
import io.kafkaenvelope.wire.InlineFrame;
import io.kafkaenvelope.wire.Role;
import io.kafkaenvelope.wire.WireFormat;
import java.security.GeneralSecurityException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.header.Headers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The producer side of the envelope: one per serializer instance, thread-safe. */
final class RecordEncryptor implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(RecordEncryptor.class);
  private static final AtomicInteger THREADS = new AtomicInteger();
  private static final ThreadLocal<byte[]> NONCE_SCRATCH =
      ThreadLocal.withInitial(() -> new byte[WireFormat.NONCE_LENGTH]);

  private final Role role;
  private final KeyManagementService kms;
  private final KekSelector kekSelector;
  private final UnresolvedKekPolicy unresolvedPolicy;
  private final ClearPrefix clearPrefix;
  private final RotationLimits limits;
  private final Ticker ticker;
  private final long kmsTimeoutMs;
  private final long failureBackoffMs;
  private final ScheduledExecutorService executor;
  private final ConcurrentHashMap<String, DekRotator> rotatorByTopic = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, DekRotator> rotatorByKek = new ConcurrentHashMap<>();
  private final Set<String> plaintextTopicsLogged = ConcurrentHashMap.newKeySet();

  RecordEncryptor(EnvelopeConfig config, Role role, KeyManagementService kms, Ticker ticker) {
    this.role = role;
    this.kms = kms;
    this.kekSelector = KekSelector.from(config);
    this.unresolvedPolicy = config.unresolvedKekPolicy();
    this.clearPrefix = config.clearPrefix();
    this.limits = new RotationLimits(
        TimeUnit.MILLISECONDS.toNanos(config.getLong(EnvelopeConfig.DEK_MAX_AGE_MS)),
        config.getLong(EnvelopeConfig.DEK_MAX_RECORDS),
        config.getLong(EnvelopeConfig.DEK_MAX_BYTES));
    this.ticker = ticker;
    this.kmsTimeoutMs = config.getLong(EnvelopeConfig.KMS_TIMEOUT_MS);
    this.failureBackoffMs = config.getLong(EnvelopeConfig.KMS_FAILURE_BACKOFF_MS);
    this.executor = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "kafka-envelope-dek-" + role + "-" + THREADS.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
  }

  Role role() {
    return role;
  }

  /**
   * Encrypts for header mode: returns nonce | ciphertext | tag and puts the envelope header into
   * {@code headers}. Returns {@code plaintext} itself only under the opt-in plaintext policy for
   * an unresolved KEK.
   */
  byte[] encrypt(String topic, Headers headers, byte[] plaintext) {
    if (clearPrefix != ClearPrefix.NONE) {
      return encryptWithClearPrefix(topic, headers, plaintext);
    }
    DekRotator rotator = rotator(topic);
    byte[] out = new byte[AesGcm.sealedLength(plaintext.length)];
    DekRotator.Lease lease = reserve(rotator, topic, plaintext.length, out, 0);
    headers.remove(role.headerName()); // never let a forwarded envelope header ride along
    if (lease == null) {
      return plaintext;
    }
    byte[] header = lease.header(topic);
    seal(lease, rotator, topic, header, plaintext, out, 0);
    headers.add(role.headerName(), header);
    return out;
  }

  /**
   * Header mode with a clear prefix: returns clear prefix | nonce | ciphertext | tag under a
   * version 2 header, the prefix authenticated after the header.
   */
  private byte[] encryptWithClearPrefix(String topic, Headers headers, byte[] plaintext) {
    int p = clearPrefix.length();
    DekRotator rotator = rotator(topic);
    if (plaintext.length < p || plaintext[0] != ClearPrefix.REGISTRY_MAGIC) {
      // Fail closed: leaving the first bytes of an unframed value readable would leak plaintext.
      headers.remove(role.headerName());
      throw new EnvelopeException(Reason.MISCONFIGURED, true, role, topic, rotator.kekId(), null,
          EnvelopeConfig.CLEAR_PREFIX + "=" + clearPrefix.name().toLowerCase(java.util.Locale.ROOT)
              + " but the inner serializer's output does not start with a schema registry's "
              + "framing (magic byte 0 and a schema id); nothing was sent", null);
    }
    byte[] out = new byte[p + AesGcm.sealedLength(plaintext.length - p)];
    DekRotator.Lease lease = reserve(rotator, topic, plaintext.length - p, out, p);
    headers.remove(role.headerName());
    if (lease == null) {
      return plaintext;
    }
    byte[] header = lease.header(topic, p);
    try {
      AesGcm.encryptWithClearPrefix(lease.key(), header, plaintext, p, out);
    } catch (GeneralSecurityException e) {
      throw new EnvelopeException(Reason.MISCONFIGURED, true, role, topic, rotator.kekId(),
          lease.dekIdHex(), "cipher failed: " + e.getClass().getName(), null);
    }
    headers.add(role.headerName(), header);
    return out;
  }

  /**
   * Encrypts for inline mode: the whole envelope goes into the returned value. A clear prefix is
   * not used here: a reader without record headers could not tell where a frame behind a prefix
   * begins, so the whole value is encrypted.
   */
  byte[] encryptInline(String topic, byte[] plaintext) {
    DekRotator rotator = rotator(topic);
    byte[] nonce = NONCE_SCRATCH.get();
    DekRotator.Lease lease = reserve(rotator, topic, plaintext.length, nonce, 0);
    if (lease == null) {
      return plaintext;
    }
    byte[] header = lease.header(topic);
    byte[] out = new byte[InlineFrame.prefixLength(header.length)
        + AesGcm.sealedLength(plaintext.length)];
    int nonceOffset = InlineFrame.writePrefix(out, header);
    System.arraycopy(nonce, 0, out, nonceOffset, nonce.length);
    seal(lease, rotator, topic, header, plaintext, out, nonceOffset);
    return out;
  }

  private DekRotator rotator(String topic) {
    DekRotator r = rotatorByTopic.get(topic);
    if (r == null) {
      String kekId = kekSelector.kekFor(topic);
      r = rotatorByKek.computeIfAbsent(kekId, k -> new DekRotator(kms, k, role, limits, ticker,
          executor, kmsTimeoutMs, failureBackoffMs));
      rotatorByTopic.putIfAbsent(topic, r);
    }
    return r;
  }

  /** Returns the lease, or {@code null} when the topic is to go out unencrypted by policy. */
  private DekRotator.Lease reserve(DekRotator rotator, String topic, int length, byte[] out,
      int nonceOffset) {
    try {
      return rotator.reserve(length, out, nonceOffset, topic);
    } catch (KmsException e) {
      if (e.reason() == KmsException.Reason.KEY_NOT_FOUND
          && unresolvedPolicy == UnresolvedKekPolicy.PLAINTEXT) {
        if (plaintextTopicsLogged.add(topic)) {
          log.warn("KEK '{}' for topic '{}' does not exist; sending its records UNENCRYPTED as "
              + "{}=plaintext allows", rotator.kekId(), topic, EnvelopeConfig.KEK_UNRESOLVED_POLICY);
        }
        return null;
      }
      throw new EnvelopeException(Reason.of(e.reason()), true, role, topic, rotator.kekId(), null,
          e.getMessage(), e);
    }
  }

  private void seal(DekRotator.Lease lease, DekRotator rotator, String topic, byte[] header,
      byte[] plaintext, byte[] out, int nonceOffset) {
    try {
      AesGcm.encrypt(lease.key(), header, plaintext, out, nonceOffset);
    } catch (GeneralSecurityException e) {
      throw new EnvelopeException(Reason.MISCONFIGURED, true, role, topic, rotator.kekId(),
          lease.dekIdHex(), "cipher failed: " + e.getClass().getName(), null);
    }
  }

  @Override
  public void close() {
    executor.shutdownNow();
  }
}
