package io.kafkaenvelope.internal.dek;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import io.kafkaenvelope.internal.events.EnvelopeEvents;
import io.kafkaenvelope.kms.DataKey;
import io.kafkaenvelope.kms.EncryptionContext;
import io.kafkaenvelope.kms.KeyManagementService;
import io.kafkaenvelope.kms.KmsException;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.crypto.spec.SecretKeySpec;

/**
 * Unwrapped data keys on the consumer side. Each distinct wrapped key is unwrapped once:
 * concurrent requests for the same key wait for the one KMS call in flight. What a hostile writer
 * can make it do is bounded:
 * <ul>
 *   <li>a failed unwrap is remembered for the backoff, for that wrapped key and for its KEK: one
 *       KMS call per KEK per backoff window after a failure, however many new wrapped keys
 *       arrive under it;
 *   <li>at most {@code unwrapsPerSecond} KMS calls per second in all ({@link UnwrapRateLimiter});
 *   <li>keys leave after {@code expireAfterWrite} even while in use, so disabling a KEK stops
 *       consumers within that bound, and after {@code expireAfterAccess} unused.
 * </ul>
 * One cache is shared by all deserializers in the JVM whose KMS settings and limits are
 * identical (its {@code scope}), so a restart of many consumers costs one KMS call per key, not
 * one per consumer; it is emptied when the last of them {@link #release releases} it.
 *
 * <p>Internal API: used by the deserializer, not meant for applications.
 */
public final class DekCache {

  private static final Map<String, DekCache> SHARED = new HashMap<>();

  /** How a cache is bounded; equal settings (and scope) share one cache. */
  public record Settings(long maxSize, Duration expireAfterAccess, Duration expireAfterWrite,
      Duration failureBackoff, long kmsTimeoutMs, int unwrapsPerSecond) {}

  /** How a caller waits for its turn under the rate limit (replaced in tests). */
  interface Sleeper {
    void sleepNanos(long nanos) throws InterruptedException;
  }

  private final Cache<WrappedKey, SecretKeySpec> keys;
  /**
   * The KMS calls under way, so concurrent requests for one key share one call. Kept apart from
   * {@link #keys}: Caffeine logs a WARN with a stack trace for every future in an async cache that
   * fails, which a flood of forged records would turn into a flood of log lines.
   */
  private final ConcurrentHashMap<WrappedKey, CompletableFuture<SecretKeySpec>> inFlight =
      new ConcurrentHashMap<>();
  private final Cache<WrappedKey, KmsException> failures;
  private final Cache<String, KmsException> kekFailures;
  private final UnwrapRateLimiter limiter;
  private final Sleeper sleeper;
  private final Settings settings;
  private final String sharedKey;
  private int users; // guarded by SHARED

  DekCache(Settings settings, Ticker ticker, Sleeper sleeper, String sharedKey) {
    this.settings = settings;
    this.keys = Caffeine.newBuilder()
        .ticker(ticker)
        .maximumSize(settings.maxSize())
        .expireAfterAccess(settings.expireAfterAccess())
        .expireAfterWrite(settings.expireAfterWrite())
        .build();
    Duration backoff = settings.failureBackoff().isZero() ? Duration.ofNanos(1)
        : settings.failureBackoff();
    this.failures = Caffeine.newBuilder().ticker(ticker).maximumSize(settings.maxSize())
        .expireAfterWrite(backoff).build();
    this.kekFailures = Caffeine.newBuilder().ticker(ticker).maximumSize(settings.maxSize())
        .expireAfterWrite(backoff).build();
    this.limiter = new UnwrapRateLimiter(settings.unwrapsPerSecond(), ticker);
    this.sleeper = sleeper;
    this.sharedKey = sharedKey;
  }

  /**
   * The cache shared by every deserializer with the same {@code scope} and settings; each caller
   * must {@link #release} it when closed.
   */
  public static DekCache acquire(String scope, Settings settings) {
    String key = scope + '|' + settings;
    synchronized (SHARED) {
      DekCache c = SHARED.computeIfAbsent(key, k -> new DekCache(settings, Ticker.systemTicker(),
          nanos -> TimeUnit.NANOSECONDS.sleep(nanos), k));
      c.users++;
      return c;
    }
  }

  /**
   * Gives up one {@link #acquire}. When the last user releases the cache it is removed from the
   * shared ones and its keys dropped. (A {@link SecretKeySpec} cannot be wiped: the JDK keeps
   * its own copy of the bytes, and {@code destroy()} is unsupported; dropping every reference is
   * what Java allows.)
   */
  public void release() {
    synchronized (SHARED) {
      if (--users > 0) {
        return;
      }
      SHARED.remove(sharedKey, this);
    }
    keys.invalidateAll();
    failures.invalidateAll();
    kekFailures.invalidateAll();
  }

  /**
   * The plaintext key for {@code wrapped} under {@code kekId}, unwrapping it with {@code kms} on a
   * miss.
   *
   * @throws KmsException if the KMS refuses or fails (possibly remembered from a recent failure),
   *     or with reason {@link KmsException.Reason#LIMITED} when a budget forbids a KMS call now
   */
  public SecretKeySpec get(String kekId, byte[] wrapped, KeyManagementService kms) {
    return load(new WrappedKey(kekId, wrapped, null), kms, null, null, null);
  }

  /**
   * As {@link #get(String, byte[], KeyManagementService)}, reporting the hit or miss and any KMS
   * call to {@code events}, and auditing the key's first unwrap in this cache ({@code topic} and
   * {@code dekId}, the record's, are only named in that line).
   */
  public SecretKeySpec get(String kekId, byte[] wrapped, KeyManagementService kms,
      EnvelopeEvents events, String topic, String dekId) {
    return load(new WrappedKey(kekId, wrapped, null), kms, events, topic, dekId);
  }

  /**
   * The key material {@code kms} derives from {@code kekId} and {@code context} (deterministic
   * mode, {@link KeyManagementService#deriveKeyMaterial}), derived once per cache and held,
   * single-flighted, rate-limited and backed off exactly like an unwrapped key: one KMS call per
   * (KEK, context) per process, however many serializers, deserializers and threads ask.
   *
   * @throws KmsException as {@link #get}
   */
  public SecretKeySpec derive(String kekId, EncryptionContext context, KeyManagementService kms) {
    return load(derivation(kekId, context), kms, null, null, null);
  }

  /** As {@link #derive(String, EncryptionContext, KeyManagementService)}, for a kept reference. */
  public SecretKeySpec derive(WrappedKey derivation, KeyManagementService kms) {
    return derive(derivation, kms, null);
  }

  /** As {@link #derive(WrappedKey, KeyManagementService)}, reporting to {@code events}. */
  public SecretKeySpec derive(WrappedKey derivation, KeyManagementService kms,
      EnvelopeEvents events) {
    if (derivation.derivation == null) {
      throw new IllegalArgumentException("not a derivation");
    }
    return load(derivation, kms, events, null, null);
  }

  /**
   * A reference to the key derived from {@code kekId} and {@code context}, made once so the hot
   * path does not encode the context for every record.
   */
  public static WrappedKey derivation(String kekId, EncryptionContext context) {
    return new WrappedKey(kekId, context.canonicalBytes(), context);
  }

  private SecretKeySpec load(WrappedKey ref, KeyManagementService kms, EnvelopeEvents events,
      String topic, String dekId) {
    String kekId = ref.kekId;
    SecretKeySpec cached = keys.getIfPresent(ref);
    if (cached != null) {
      if (events != null) {
        events.cacheHit();
      }
      return cached;
    }
    if (events != null) {
      events.cacheMiss();
    }
    KmsException remembered = failures.getIfPresent(ref);
    if (remembered != null) {
      throw remembered;
    }
    CompletableFuture<SecretKeySpec> mine = new CompletableFuture<>();
    CompletableFuture<SecretKeySpec> existing = inFlight.putIfAbsent(ref, mine);
    if (existing != null) {
      return await(existing, kekId);
    }
    // This thread makes the one KMS call; others asking for the same key wait on `mine`.
    try {
      SecretKeySpec key = keys.getIfPresent(ref); // a call that ended since our first look
      if (key == null) {
        key = unwrap(ref, kms, events);
        keys.put(ref, key);
        if (events != null && ref.derivation == null) {
          events.firstUnwrap(topic, kekId, dekId);
        }
      }
      inFlight.remove(ref, mine);
      mine.complete(key);
      return key;
    } catch (KmsException e) {
      fail(ref, mine, e);
      throw e;
    } catch (RuntimeException e) {
      KmsException k = new KmsException(KmsException.Reason.UNAVAILABLE, kekId,
          "KMS client failed: " + e.getClass().getName(), e);
      fail(ref, mine, k);
      throw k;
    } catch (Error e) {
      // Even an Error must not leave `mine` pending: every later record of this key would wait
      // for it until the KMS timeout, forever.
      fail(ref, mine, new KmsException(KmsException.Reason.UNAVAILABLE, kekId,
          "KMS client failed: " + e.getClass().getName()));
      throw e;
    }
  }

  /**
   * Unwraps through the budgets: none while this KEK failed within the backoff, and at most the
   * configured rate.
   */
  private SecretKeySpec unwrap(WrappedKey ref, KeyManagementService kms, EnvelopeEvents events) {
    KmsException kekFailure = kekFailures.getIfPresent(ref.kekId);
    if (kekFailure != null) {
      throw new KmsException(KmsException.Reason.LIMITED, ref.kekId, "an unwrap under this KEK "
          + "failed less than envelope.kms.failure.backoff.ms (" + settings.failureBackoff()
          .toMillis() + " ms) ago (" + kekFailure.reason() + "); new data keys under it are not "
          + "sent to the KMS until then");
    }
    long wait = limiter.reserve(TimeUnit.MILLISECONDS.toNanos(settings.kmsTimeoutMs()));
    if (wait < 0) {
      throw new KmsException(KmsException.Reason.LIMITED, ref.kekId, "more than "
          + "envelope.dek.unwrap.max.per.second=" + settings.unwrapsPerSecond() + " data keys "
          + "to unwrap; this one would wait longer than envelope.kms.timeout.ms");
    }
    if (wait > 0) {
      try {
        sleeper.sleepNanos(wait);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new KmsException(KmsException.Reason.UNAVAILABLE, ref.kekId, "interrupted");
      }
    }
    byte[] plaintext = call(ref, kms, events);
    try {
      if (plaintext == null || plaintext.length != DataKey.KEY_LENGTH) {
        throw new KmsException(KmsException.Reason.INVALID_CIPHERTEXT, ref.kekId,
            (ref.derivation != null ? "derived key material" : "unwrapped key")
                + " has the wrong length");
      }
      return new SecretKeySpec(plaintext, "AES");
    } finally {
      if (plaintext != null) {
        Arrays.fill(plaintext, (byte) 0);
      }
    }
  }

  /** The KMS call itself, timed and counted. */
  private static byte[] call(WrappedKey ref, KeyManagementService kms, EnvelopeEvents events) {
    EnvelopeEvents.KmsOperation op = ref.derivation != null ? EnvelopeEvents.KmsOperation.DERIVE
        : EnvelopeEvents.KmsOperation.UNWRAP;
    long start = System.nanoTime();
    boolean ok = false;
    try {
      byte[] plaintext = ref.derivation != null ? kms.deriveKeyMaterial(ref.kekId, ref.derivation)
          : kms.unwrap(ref.kekId, ref.wrapped, EncryptionContext.forDek(ref.kekId));
      ok = plaintext != null && plaintext.length == DataKey.KEY_LENGTH;
      return plaintext;
    } finally {
      if (events != null) {
        events.kmsCall(op, System.nanoTime() - start, ok);
      }
    }
  }

  /** Remembers a failure (unless it was our own budget's) and releases those waiting. */
  private void fail(WrappedKey ref, CompletableFuture<SecretKeySpec> mine, KmsException e) {
    if (e.reason() != KmsException.Reason.LIMITED) {
      failures.put(ref, e);
      kekFailures.put(ref.kekId, e);
    }
    inFlight.remove(ref, mine);
    mine.completeExceptionally(e);
  }

  private SecretKeySpec await(CompletableFuture<SecretKeySpec> f, String kekId) {
    try {
      return f.get(settings.kmsTimeoutMs(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException | CompletionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof KmsException) {
        throw (KmsException) cause;
      }
      throw new KmsException(KmsException.Reason.UNAVAILABLE, kekId, "unwrap failed", cause);
    } catch (TimeoutException e) {
      throw new KmsException(KmsException.Reason.UNAVAILABLE, kekId,
          "no answer from the KMS within " + settings.kmsTimeoutMs() + " ms");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new KmsException(KmsException.Reason.UNAVAILABLE, kekId, "interrupted");
    }
  }

  /** Number of unwrapped keys held (for tests and metrics). */
  public long size() {
    keys.cleanUp();
    return keys.estimatedSize();
  }

  /**
   * A wrapped key and the KEK it names, or (with {@code derivation}) the context of a key derived
   * under it; equality by content. A derived key never equals a wrapped one, whatever the bytes.
   */
  public static final class WrappedKey {
    private final String kekId;
    private final byte[] wrapped;
    /** Deterministic mode: the context the key is derived from; {@code null} for a DEK. */
    private final EncryptionContext derivation;
    private final int hash;

    private WrappedKey(String kekId, byte[] wrapped, EncryptionContext derivation) {
      this.kekId = kekId;
      this.wrapped = wrapped;
      this.derivation = derivation;
      this.hash = 31 * kekId.hashCode() + Arrays.hashCode(wrapped) + (derivation == null ? 0 : 1);
    }

    @Override
    public boolean equals(Object o) {
      if (!(o instanceof WrappedKey)) {
        return false;
      }
      WrappedKey other = (WrappedKey) o;
      return hash == other.hash && kekId.equals(other.kekId)
          && (derivation == null) == (other.derivation == null)
          && Arrays.equals(wrapped, other.wrapped);
    }

    @Override
    public int hashCode() {
      return hash;
    }

    @Override
    public String toString() {
      return (derivation == null ? "WrappedKey{kek=" : "DerivedKey{kek=") + kekId + ", "
          + wrapped.length + " bytes}";
    }
  }
}
