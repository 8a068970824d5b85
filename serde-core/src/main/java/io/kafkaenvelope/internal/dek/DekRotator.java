package io.kafkaenvelope.internal.dek;

import com.github.benmanes.caffeine.cache.Ticker;
import io.kafkaenvelope.internal.events.EnvelopeEvents;
import io.kafkaenvelope.kms.DataKey;
import io.kafkaenvelope.kms.EncryptionContext;
import io.kafkaenvelope.kms.KeyManagementService;
import io.kafkaenvelope.kms.KmsException;
import io.kafkaenvelope.internal.wire.Role;
import io.kafkaenvelope.internal.wire.WireFormat;
import java.security.SecureRandom;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The producer's data keys under one KEK: hands out the current key and replaces it when a
 * {@link RotationLimits limit} is reached. The next key is requested from the KMS in the background
 * when the current one reaches 90% of a limit, so sends do not wait for the KMS; exactly one KMS
 * call is made per key however many threads are sending. If the KMS fails, the current key keeps
 * serving until its limit, and then sends fail (never fall back to plaintext).
 *
 * <p>Internal API: used by the serializer, not meant for applications.
 */
public final class DekRotator {

  private static final Logger log = LoggerFactory.getLogger(DekRotator.class);
  /**
   * KEKs (per KMS) that gave this process a data key. A KMS that later says such a KEK does not
   * exist is not believed for the unresolved-KEK policy: a deleted alias, a wrong endpoint or a
   * spoofed answer must not switch a topic that was encrypted to plaintext.
   */
  private static final Set<String> RESOLVED = ConcurrentHashMap.newKeySet();

  private final KeyManagementService kms;
  private final String kekId;
  private final Role role;
  private final RotationLimits limits;
  private final Ticker ticker;
  private final ScheduledExecutorService executor;
  private final long kmsTimeoutMs;
  private final long failureBackoffNanos;
  private final SecureRandom random = new SecureRandom();
  private final EncryptionContext context;
  private final EnvelopeEvents events;
  /** Format version 6 ({@code envelope.format.version=6}): per-header record keys. */
  private final boolean bindThroughKey;
  /** Tells each key when it reaches the refresh point of its age (see {@link ActiveDek}). */
  private final DeadlineTimer timer;

  private volatile ActiveDek current;
  private final AtomicReference<CompletableFuture<DataKey>> pending = new AtomicReference<>();
  private volatile Failure lastFailure;
  private final Object rotateLock = new Object();

  private record Failure(KmsException error, long at) {}

  public DekRotator(KeyManagementService kms, String kekId, Role role, RotationLimits limits,
      Ticker ticker, ScheduledExecutorService executor, long kmsTimeoutMs, long failureBackoffMs) {
    this(kms, kekId, role, limits, ticker, executor, kmsTimeoutMs, failureBackoffMs,
        EnvelopeEvents.detached(EnvelopeEvents.Side.SERIALIZER, role));
  }

  /** As above, reporting KMS calls, new keys and rotations to {@code events}. */
  public DekRotator(KeyManagementService kms, String kekId, Role role, RotationLimits limits,
      Ticker ticker, ScheduledExecutorService executor, long kmsTimeoutMs, long failureBackoffMs,
      EnvelopeEvents events) {
    this(kms, kekId, role, limits, ticker, executor, kmsTimeoutMs, failureBackoffMs, events,
        false);
  }

  /**
   * As above; {@code bindThroughKey} makes its keys seal records in format version 6 (a record
   * key per header) instead of versions 1 to 3.
   */
  public DekRotator(KeyManagementService kms, String kekId, Role role, RotationLimits limits,
      Ticker ticker, ScheduledExecutorService executor, long kmsTimeoutMs, long failureBackoffMs,
      EnvelopeEvents events, boolean bindThroughKey) {
    this(kms, kekId, role, limits, ticker, executor, kmsTimeoutMs, failureBackoffMs, events,
        bindThroughKey, ticker instanceof DeadlineTimer t ? t : DeadlineTimer.on(executor, ticker));
  }

  /**
   * As above; {@code timer} marks each key's refresh point of its age (a test's fake clock is
   * both {@code ticker} and {@code timer}).
   */
  public DekRotator(KeyManagementService kms, String kekId, Role role, RotationLimits limits,
      Ticker ticker, ScheduledExecutorService executor, long kmsTimeoutMs, long failureBackoffMs,
      EnvelopeEvents events, boolean bindThroughKey, DeadlineTimer timer) {
    this.timer = timer;
    this.bindThroughKey = bindThroughKey;
    this.events = events;
    this.kms = kms;
    this.kekId = kekId;
    this.role = role;
    this.limits = limits;
    this.ticker = ticker;
    this.executor = executor;
    this.kmsTimeoutMs = kmsTimeoutMs;
    this.failureBackoffNanos = TimeUnit.MILLISECONDS.toNanos(failureBackoffMs);
    this.context = EncryptionContext.forDek(kekId);
  }

  public String kekId() {
    return kekId;
  }

  /** Whether this KEK has given any serializer in this process a data key. */
  public boolean everResolved() {
    return RESOLVED.contains(resolvedKey());
  }

  private String resolvedKey() {
    return kms.describe() + '\u0000' + kekId;
  }

  /**
   * Reserves a nonce for one record of {@code length} bytes to encrypt and writes it to
   * {@code out[offset .. offset + 12)}: straight into the record's bytes where their layout is
   * already known, so no per-record nonce array or copy exists.
   *
   * @return the key to encrypt the record with
   * @throws KmsException if no usable key exists and the KMS cannot provide one in time
   */
  public Lease reserve(int length, byte[] out, int offset) {
    ActiveDek d = current;
    for (;;) {
      if (d != null) {
        long seq = d.reserve(length, ticker);
        if (seq >= 0) {
          // a plain read first: past the refresh point every record would otherwise pay a
          // failing compare-and-set (a locked instruction) until the key retires
          if (d.refreshDue(seq) && !d.refreshClaimed.get()
              && d.refreshClaimed.compareAndSet(false, true)) {
            requestNext(d);
          }
          d.writeNonce(out, offset, seq);
          return d;
        }
      }
      d = rotate(d);
    }
  }

  /**
   * Makes the first data key now, waiting up to the KMS timeout, unless one exists: the check of
   * {@code envelope.kms.check.on.configure}. The key is kept and serves the first records, so the
   * check costs no KMS call of its own.
   *
   * @throws KmsException as {@link #reserve}
   */
  public void prime() {
    if (current == null) {
      rotate(null);
    }
  }

  /** The last KMS failure if it is within the failure backoff, else {@code null}. */
  public KmsException recentFailure() {
    Failure f = lastFailure;
    return f != null && ticker.read() - f.at() < failureBackoffNanos ? f.error() : null;
  }

  /**
   * Nanoseconds on the rotator's clock since the key in use was created, or -1 when there is
   * none.
   */
  public long activeAgeNanos() {
    ActiveDek d = current;
    return d == null ? -1 : ticker.read() - d.activatedAt();
  }

  /** Audits the key in use as retired (the serializer is closing). */
  public void retire() {
    ActiveDek d = current;
    if (d != null) {
      stopAgeTimer(d);
      events.dekRetired(kekId, d.kekVersion(), d.dekIdHex(), "closed", d.recordsEncrypted());
    }
  }

  /** What a record is encrypted with. */
  public interface Lease {
    /** The data key itself. */
    SecretKeySpec key();

    /**
     * The envelope header, key and associated data for records of {@code topic} whose first
     * {@code clearPrefixLength} bytes stay in the clear and/or whose body is compressed with codec
     * {@code codec}: version 1, 2 or 3 as those ask, or version 6 when the rotator was made for
     * it. Made once per topic and kind, and shared.
     */
    Sealing sealing(String topic, int clearPrefixLength, int codec);

    String kekId();

    String dekIdHex();

    /** The DEK id (a copy). */
    byte[] dekId();

    /** The KEK version the KMS reported, or {@code null}. */
    String kekVersion();

    /** The wrapped DEK; not a copy, callers must not modify it. */
    byte[] wrappedDekUnsafe();
  }

  /** Replaces {@code exhausted} (or creates the first key), waiting for the KMS if needed. */
  private ActiveDek rotate(ActiveDek exhausted) {
    synchronized (rotateLock) {
      ActiveDek d = current;
      if (d != null && d != exhausted) {
        return d; // another thread rotated while we waited for the lock
      }
      CompletableFuture<DataKey> next = pending.get();
      if (next == null || next.isCompletedExceptionally()) {
        Failure f = lastFailure;
        if (f != null && ticker.read() - f.at() < failureBackoffNanos) {
          throw f.error();
        }
        next = requestNext(null);
      }
      DataKey key;
      try {
        key = next.get(kmsTimeoutMs, TimeUnit.MILLISECONDS);
      } catch (ExecutionException e) {
        pending.compareAndSet(next, null);
        throw asKmsException(e.getCause());
      } catch (TimeoutException e) {
        throw new KmsException(KmsException.Reason.UNAVAILABLE, kekId,
            "no data key from " + kms.describe() + " within " + kmsTimeoutMs + " ms");
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new KmsException(KmsException.Reason.UNAVAILABLE, kekId,
            "interrupted while waiting for a data key");
      }
      ActiveDek fresh = activate(key);
      RESOLVED.add(resolvedKey());
      pending.compareAndSet(next, null);
      // The timer's task holds the key's AgeWatch only, never the key; it is dropped when the
      // key retires before its age does.
      fresh.ageTimer = timer.at(fresh.refreshAt(), fresh.ageWatch);
      current = fresh;
      if (exhausted != null) {
        stopAgeTimer(exhausted);
      }
      if (exhausted == null) {
        events.dekCreated(kekId, fresh.kekVersion(), fresh.dekIdHex(), null, null, 0);
      } else {
        events.dekCreated(kekId, fresh.kekVersion(), fresh.dekIdHex(), exhausted.dekIdHex(),
            exhausted.exhaustedBy(ticker.read()), exhausted.recordsEncrypted());
      }
      log.info("Data key {} for KEK '{}' ({}) in use{}", fresh.dekIdHex(), kekId, role,
          exhausted == null ? "" : "; retired " + exhausted.dekIdHex());
      return fresh;
    }
  }

  private static void stopAgeTimer(ActiveDek d) {
    Future<?> t = d.ageTimer;
    if (t != null) {
      t.cancel(false);
    }
  }

  /**
   * Starts a KMS call for the next key unless one is in flight. {@code requestedBy} is the key
   * whose refresh point triggered it; if the call fails, that key may ask again after the backoff.
   */
  private CompletableFuture<DataKey> requestNext(ActiveDek requestedBy) {
    for (;;) {
      CompletableFuture<DataKey> inFlight = pending.get();
      if (inFlight != null && !inFlight.isCompletedExceptionally()) {
        return inFlight;
      }
      CompletableFuture<DataKey> f = new CompletableFuture<>();
      if (!pending.compareAndSet(inFlight, f)) {
        continue;
      }
      try {
        executor.execute(() -> generate(f, requestedBy));
      } catch (RuntimeException rejected) { // executor shut down: serializer closed
        f.completeExceptionally(new KmsException(KmsException.Reason.UNAVAILABLE, kekId,
            "serializer is closed"));
      }
      return f;
    }
  }

  private void generate(CompletableFuture<DataKey> f, ActiveDek requestedBy) {
    long start = System.nanoTime();
    try {
      DataKey key = kms.generateDataKey(kekId, context);
      events.kmsCall(EnvelopeEvents.KmsOperation.GENERATE, System.nanoTime() - start, true);
      f.complete(key);
    } catch (Throwable t) {
      events.kmsCall(EnvelopeEvents.KmsOperation.GENERATE, System.nanoTime() - start, false);
      KmsException e = asKmsException(t);
      lastFailure = new Failure(e, ticker.read());
      log.warn("Could not get a new data key for KEK '{}' from {}: {}", kekId, kms.describe(),
          e.getMessage());
      f.completeExceptionally(e);
      if (requestedBy != null) {
        executor.schedule(() -> requestedBy.refreshClaimed.set(false),
            Math.max(1, TimeUnit.NANOSECONDS.toMillis(failureBackoffNanos)), TimeUnit.MILLISECONDS);
      }
    }
  }

  private ActiveDek activate(DataKey key) {
    byte[] plaintext = key.plaintext();
    SecretKeySpec spec;
    try {
      spec = new SecretKeySpec(plaintext, "AES");
    } finally {
      java.util.Arrays.fill(plaintext, (byte) 0);
      key.destroy();
    }
    byte[] dekId = new byte[WireFormat.DEK_ID_LENGTH];
    random.nextBytes(dekId);
    return new ActiveDek(spec, dekId, kekId, key.kekVersion(), key.wrapped(), role,
        bindThroughKey, random.nextInt(), random.nextLong(), ticker.read(), limits);
  }

  private KmsException asKmsException(Throwable t) {
    if (t instanceof KmsException) {
      return (KmsException) t;
    }
    return new KmsException(KmsException.Reason.UNAVAILABLE, kekId,
        "KMS client failed: " + t.getClass().getName(), t);
  }
}
