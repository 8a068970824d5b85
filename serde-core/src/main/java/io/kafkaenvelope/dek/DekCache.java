package io.kafkaenvelope.dek;

import com.github.benmanes.caffeine.cache.AsyncCache;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.kafkaenvelope.kms.DataKey;
import io.kafkaenvelope.kms.EncryptionContext;
import io.kafkaenvelope.kms.KeyManagementService;
import io.kafkaenvelope.kms.KmsException;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.crypto.spec.SecretKeySpec;

/**
 * Unwrapped data keys on the consumer side, bounded by size and idle time. Each distinct wrapped
 * key is unwrapped once: concurrent requests for the same key wait for the one KMS call in flight,
 * and a failed call is remembered for a short while so an outage is not hammered by every record.
 * One cache is shared by all deserializers in the JVM whose KMS settings are identical (its
 * {@code scope}), so a restart of many consumers costs one KMS call per key, not one per consumer.
 *
 * <p>Internal API: used by the deserializer, not meant for applications.
 */
public final class DekCache {

  private static final ConcurrentHashMap<String, DekCache> SHARED = new ConcurrentHashMap<>();

  private final AsyncCache<WrappedKey, SecretKeySpec> keys;
  private final Cache<WrappedKey, KmsException> failures;
  private final long kmsTimeoutMs;

  DekCache(long maxSize, Duration expireAfterAccess, Duration failureTtl, long kmsTimeoutMs) {
    this.keys = Caffeine.newBuilder()
        .maximumSize(maxSize)
        .expireAfterAccess(expireAfterAccess)
        .buildAsync();
    this.failures = Caffeine.newBuilder()
        .maximumSize(maxSize)
        .expireAfterWrite(failureTtl.isZero() ? Duration.ofNanos(1) : failureTtl)
        .build();
    this.kmsTimeoutMs = kmsTimeoutMs;
  }

  /** The cache shared by every deserializer with the same {@code scope} and settings. */
  public static DekCache shared(String scope, long maxSize, Duration expireAfterAccess,
      Duration failureTtl, long kmsTimeoutMs) {
    String key = scope + '|' + maxSize + '|' + expireAfterAccess + '|' + failureTtl + '|'
        + kmsTimeoutMs;
    return SHARED.computeIfAbsent(key,
        k -> new DekCache(maxSize, expireAfterAccess, failureTtl, kmsTimeoutMs));
  }

  /**
   * The plaintext key for {@code wrapped} under {@code kekId}, unwrapping it with {@code kms} on a
   * miss.
   *
   * @throws KmsException if the KMS refuses or fails (possibly remembered from a recent failure)
   */
  public SecretKeySpec get(String kekId, byte[] wrapped, KeyManagementService kms) {
    WrappedKey ref = new WrappedKey(kekId, wrapped);
    CompletableFuture<SecretKeySpec> cached = keys.getIfPresent(ref);
    if (cached != null && cached.isDone() && !cached.isCompletedExceptionally()) {
      return cached.join();
    }
    KmsException remembered = failures.getIfPresent(ref);
    if (remembered != null) {
      throw remembered;
    }
    CompletableFuture<SecretKeySpec> mine = new CompletableFuture<>();
    CompletableFuture<SecretKeySpec> existing = keys.asMap().putIfAbsent(ref, mine);
    if (existing == null) {
      // This thread makes the one KMS call; others asking for the same key wait on `mine`.
      try {
        mine.complete(unwrap(ref, kms));
      } catch (KmsException e) {
        failures.put(ref, e);
        mine.completeExceptionally(e);
        throw e;
      } catch (RuntimeException e) {
        KmsException k = new KmsException(KmsException.Reason.UNAVAILABLE, kekId,
            "KMS client failed: " + e.getClass().getName(), e);
        failures.put(ref, k);
        mine.completeExceptionally(k);
        throw k;
      }
      return mine.join();
    }
    return await(existing, kekId);
  }

  private SecretKeySpec await(CompletableFuture<SecretKeySpec> f, String kekId) {
    try {
      return f.get(kmsTimeoutMs, TimeUnit.MILLISECONDS);
    } catch (ExecutionException | CompletionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof KmsException) {
        throw (KmsException) cause;
      }
      throw new KmsException(KmsException.Reason.UNAVAILABLE, kekId, "unwrap failed", cause);
    } catch (TimeoutException e) {
      throw new KmsException(KmsException.Reason.UNAVAILABLE, kekId,
          "no answer from the KMS within " + kmsTimeoutMs + " ms");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new KmsException(KmsException.Reason.UNAVAILABLE, kekId, "interrupted");
    }
  }

  private static SecretKeySpec unwrap(WrappedKey ref, KeyManagementService kms) {
    byte[] plaintext = kms.unwrap(ref.kekId, ref.wrapped, EncryptionContext.forDek(ref.kekId));
    try {
      if (plaintext == null || plaintext.length != DataKey.KEY_LENGTH) {
        throw new KmsException(KmsException.Reason.INVALID_CIPHERTEXT, ref.kekId,
            "unwrapped key has the wrong length");
      }
      return new SecretKeySpec(plaintext, "AES");
    } finally {
      if (plaintext != null) {
        Arrays.fill(plaintext, (byte) 0);
      }
    }
  }

  /** Number of unwrapped keys held (for tests and metrics). */
  public long size() {
    return keys.synchronous().estimatedSize();
  }

  /** A wrapped key and the KEK it names; equality by content. */
  private static final class WrappedKey {
    final String kekId;
    final byte[] wrapped;
    final int hash;

    WrappedKey(String kekId, byte[] wrapped) {
      this.kekId = kekId;
      this.wrapped = wrapped;
      this.hash = 31 * kekId.hashCode() + Arrays.hashCode(wrapped);
    }

    @Override
    public boolean equals(Object o) {
      if (!(o instanceof WrappedKey)) {
        return false;
      }
      WrappedKey other = (WrappedKey) o;
      return hash == other.hash && kekId.equals(other.kekId)
          && Arrays.equals(wrapped, other.wrapped);
    }

    @Override
    public int hashCode() {
      return hash;
    }

    @Override
    public String toString() {
      return "WrappedKey{kek=" + kekId + ", " + wrapped.length + " bytes}";
    }
  }
}
