package io.kafkaenvelope.internal.dek;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.benmanes.caffeine.cache.Ticker;
import io.kafkaenvelope.kms.DataKey;
import io.kafkaenvelope.kms.EncryptionContext;
import io.kafkaenvelope.kms.KeyManagementService;
import io.kafkaenvelope.kms.KmsException;
import io.kafkaenvelope.kms.KmsException.Reason;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

/**
 * The consumer's data-key cache on a fake clock: what a flood of hostile records can make it do,
 * how long a revoked KEK keeps working, and that no failure leaves it stuck.
 */
class DekCacheTest {

  private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

  private final AtomicLong now = new AtomicLong(1_000 * SECOND);
  private final Ticker ticker = now::get;
  private final List<Long> slept = new ArrayList<>();
  private final FakeKms kms = new FakeKms();

  private DekCache cache(int perSecond, Duration expireAfterWrite) {
    return new DekCache(new DekCache.Settings(1000, Duration.ofHours(1), expireAfterWrite,
        Duration.ofSeconds(5), 10_000, perSecond), ticker, nanos -> {
          slept.add(nanos);
          now.addAndGet(nanos);
        }, "test");
  }

  /** Wrapped keys that unwrap: the key is the wrapped bytes' first 32 bytes' pattern. */
  private static byte[] good(int n) {
    return ByteBuffer.allocate(8).putInt(0x600D).putInt(n).array();
  }

  private static byte[] forged(int n) {
    return ByteBuffer.allocate(8).putInt(0xBAD).putInt(n).array();
  }

  @Test
  void eachWrappedKeyIsUnwrappedOnce() {
    DekCache c = cache(100, Duration.ofHours(1));
    assertSame(c.get("k", good(1), kms), c.get("k", good(1), kms));
    c.get("k", good(2), kms);
    assertEquals(2, kms.calls.get());
    assertEquals(2, c.size());
  }

  /** Issue 13: a flood of records with made-up wrapped keys under one KEK. */
  @Test
  void aFloodOfForgedKeysUnderOneKekCostsOneKmsCallPerBackoffWindow() {
    DekCache c = cache(100, Duration.ofHours(1));
    int refusedWithoutCall = 0;
    for (int i = 0; i < 10_000; i++) {
      now.addAndGet(TimeUnit.MILLISECONDS.toNanos(1)); // 10 s of records: two backoff windows
      KmsException e = assertThrows(KmsException.class, () -> c.get("k", forgedAt(), kms));
      if (e.reason() == Reason.LIMITED) {
        refusedWithoutCall++;
        assertTrue(e.getMessage().contains("envelope.kms.failure.backoff.ms"), e.getMessage());
      } else {
        assertEquals(Reason.INVALID_CIPHERTEXT, e.reason());
      }
    }
    assertEquals(2, kms.calls.get(), "one call per 5 s window over 10 s");
    assertEquals(10_000 - 2, refusedWithoutCall);
    assertEquals(0, c.size());
    // the KEK's own good keys already cached keep working meanwhile; a new one waits its turn
    now.addAndGet(6 * SECOND);
    c.get("k", good(1), kms);
    assertEquals(3, kms.calls.get());
  }

  private int seq;

  private byte[] forgedAt() {
    return forged(seq++);
  }

  @Test
  void aKnownBadWrappedKeyRethrowsItsOwnFailureWithoutACall() {
    DekCache c = cache(100, Duration.ofHours(1));
    assertEquals(Reason.INVALID_CIPHERTEXT,
        assertThrows(KmsException.class, () -> c.get("k", forged(1), kms)).reason());
    assertEquals(Reason.INVALID_CIPHERTEXT,
        assertThrows(KmsException.class, () -> c.get("k", forged(1), kms)).reason());
    assertEquals(1, kms.calls.get());
    // other KEKs are not affected by this KEK's failure
    c.get("other", good(1), kms);
    assertEquals(2, kms.calls.get());
  }

  /** Many KEKs (a reader in discovery mode): the rate limit bounds the calls. */
  @Test
  void unwrapsAreRateLimitedAcrossKeks() {
    DekCache c = cache(10, Duration.ofHours(1));
    long start = now.get();
    for (int i = 0; i < 100; i++) {
      int n = i;
      assertThrows(KmsException.class, () -> c.get("kek-" + n, forged(n), kms));
    }
    long elapsed = now.get() - start;
    assertEquals(100, kms.calls.get());
    // a burst of 10 at once, then one per 100 ms: 90 waits, 9 s of (fake) time
    assertEquals(90, slept.size());
    assertEquals(9 * SECOND, elapsed, 1_000);
  }

  @Test
  void aCallThatWouldWaitLongerThanTheKmsTimeoutFailsAtOnce() {
    DekCache c = new DekCache(new DekCache.Settings(1000, Duration.ofHours(1),
        Duration.ofHours(1), Duration.ofSeconds(5), 500, 1), ticker, nanos -> {
          throw new AssertionError("no wait expected");
        }, "test");
    c.get("a", good(1), kms);
    KmsException e = assertThrows(KmsException.class, () -> c.get("b", good(2), kms));
    assertEquals(Reason.LIMITED, e.reason());
    assertTrue(e.getMessage().contains("envelope.dek.unwrap.max.per.second=1"), e.getMessage());
    assertEquals(1, kms.calls.get());
    now.addAndGet(SECOND);
    c.get("b", good(2), kms); // a later record gets its turn: no failure was remembered
    assertEquals(2, kms.calls.get());
  }

  /** Issue 13: disabling a KEK stops a consumer within expire-after-write, even while in use. */
  @Test
  void aKeyInUseIsUnwrappedAgainAfterExpireAfterWriteSoRevocationBites() {
    DekCache c = cache(100, Duration.ofMinutes(10));
    c.get("k", good(1), kms);
    for (int minute = 1; minute < 10; minute++) {
      now.addAndGet(TimeUnit.MINUTES.toNanos(1));
      c.get("k", good(1), kms); // used every minute: access never lets it idle out
    }
    assertEquals(1, kms.calls.get());
    kms.disabled.add("k");
    now.addAndGet(TimeUnit.MINUTES.toNanos(1) + 1);
    assertEquals(Reason.KEY_DISABLED,
        assertThrows(KmsException.class, () -> c.get("k", good(1), kms)).reason());
    assertEquals(2, kms.calls.get());
  }

  /** An Error inside an unwrap must not leave a pending entry that every later caller waits on. */
  @Test
  void anErrorInsideAnUnwrapLeavesNothingPending() {
    DekCache c = cache(100, Duration.ofHours(1));
    kms.errorOnce = true;
    assertThrows(AssertionError.class, () -> c.get("k", good(1), kms));
    now.addAndGet(6 * SECOND); // past the backoff
    long before = System.nanoTime();
    c.get("k", good(1), kms);
    assertTrue(System.nanoTime() - before < TimeUnit.SECONDS.toNanos(5),
        "answered without waiting for a pending call");
    assertEquals(2, kms.calls.get());
  }

  @Test
  void aFailedUnwrapLeavesNoCaffeineWarning() {
    List<LogRecord> warnings = new ArrayList<>();
    Handler h = new Handler() {
      @Override
      public void publish(LogRecord r) {
        if (r.getLevel().intValue() >= Level.WARNING.intValue()) {
          warnings.add(r);
        }
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };
    Logger caffeine = Logger.getLogger("com.github.benmanes.caffeine");
    caffeine.addHandler(h);
    try {
      DekCache c = cache(100, Duration.ofHours(1));
      for (int i = 0; i < 5; i++) {
        int n = i;
        assertThrows(KmsException.class, () -> c.get("k" + n, forged(n), kms));
      }
      c.get("k", good(1), kms);
      c.size(); // runs Caffeine's maintenance, where a failed future would be reported
    } finally {
      caffeine.removeHandler(h);
    }
    assertEquals(List.of(), warnings.stream().map(LogRecord::getMessage).toList());
  }

  @Test
  void theSharedCacheIsEmptiedAndDroppedWhenItsLastUserReleasesIt() {
    DekCache.Settings s = new DekCache.Settings(10, Duration.ofHours(1), Duration.ofHours(1),
        Duration.ofSeconds(1), 1000, 100);
    DekCache a = DekCache.acquire("scope-release-test", s);
    DekCache b = DekCache.acquire("scope-release-test", s);
    assertSame(a, b);
    a.get("k", good(1), kms);
    a.release();
    assertEquals(1, b.size(), "still in use by b");
    b.release();
    assertEquals(0, a.size());
    DekCache fresh = DekCache.acquire("scope-release-test", s);
    assertNotSame(a, fresh);
    fresh.release();
  }

  /** Unwraps wrapped keys starting 0x600D; refuses the rest; can disable KEKs or throw an Error. */
  private static final class FakeKms implements KeyManagementService {
    final AtomicInteger calls = new AtomicInteger();
    final Set<String> disabled = ConcurrentHashMap.newKeySet();
    volatile boolean errorOnce;

    @Override
    public DataKey generateDataKey(String kekId, EncryptionContext context) {
      throw new UnsupportedOperationException();
    }

    @Override
    public byte[] unwrap(String kekId, byte[] wrappedKey, EncryptionContext context) {
      calls.incrementAndGet();
      if (errorOnce) {
        errorOnce = false;
        throw new AssertionError("a bug inside a KMS client");
      }
      if (disabled.contains(kekId)) {
        throw new KmsException(Reason.KEY_DISABLED, kekId, "disabled");
      }
      if (ByteBuffer.wrap(wrappedKey).getInt() != 0x600D) {
        throw new KmsException(Reason.INVALID_CIPHERTEXT, kekId, "not ours");
      }
      byte[] key = new byte[32];
      System.arraycopy(wrappedKey, 0, key, 0, wrappedKey.length);
      return key;
    }

    @Override
    public String describe() {
      return "fake";
    }

    @Override
    public void close() {}
  }
}
