package io.kafkaenvelope.internal.dek;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkaenvelope.kms.DataKey;
import io.kafkaenvelope.kms.EncryptionContext;
import io.kafkaenvelope.kms.KeyManagementService;
import io.kafkaenvelope.kms.KmsException;
import io.kafkaenvelope.kms.KmsException.Reason;
import io.kafkaenvelope.internal.wire.Role;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The producer's key rotation on a fake clock: each limit retires a key, the next key is asked
 * for at 90% of a limit, many threads crossing a limit cause one KMS call, and a failing KMS is
 * not hammered and never leads to a record without a key. Waits are on latches and semaphores
 * released by the KMS calls themselves, never on sleeps.
 */
class DekRotatorTest {

  private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

  private final FakeClock now = new FakeClock(1_000 * SECOND);
  private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor();
  private final CountingKms kms = new CountingKms();

  @AfterEach
  void stop() {
    executor.shutdownNow();
  }

  private DekRotator rotator(long maxAgeNanos, long maxRecords, long maxBytes) {
    return new DekRotator(kms, "kek", Role.VALUE, new RotationLimits(maxAgeNanos, maxRecords,
        maxBytes), now, executor, 10_000, 5_000);
  }

  private static String dekOf(DekRotator.Lease lease) {
    return lease.dekIdHex();
  }

  private DekRotator.Lease reserve(DekRotator r, int length) {
    return r.reserve(length, new byte[12], 0);
  }

  @Test
  void theRecordLimitRetiresAKeyAndTheNextIsAskedForAtNinetyPercent() throws Exception {
    DekRotator r = rotator(3600 * SECOND, 10, Long.MAX_VALUE);
    String first = dekOf(reserve(r, 1));
    assertEquals(1, kms.calls.get());
    for (int i = 1; i < 9; i++) {
      assertEquals(first, dekOf(reserve(r, 1)));
    }
    assertEquals(1, kms.calls.get(), "no request before 90%");
    assertEquals(first, dekOf(reserve(r, 1))); // the 10th (90% reached): next key asked for
    kms.awaitCalls(2);
    String second = dekOf(reserve(r, 1)); // the 11th: the key is retired
    assertNotEquals(first, second);
    assertEquals(2, kms.calls.get(), "the key fetched ahead was used, no wait, no extra call");
  }

  @Test
  void theAgeLimitRetiresAKeyOnTheFakeClock() throws Exception {
    DekRotator r = rotator(100 * SECOND, Long.MAX_VALUE, Long.MAX_VALUE);
    String first = dekOf(reserve(r, 1));
    now.advance(89 * SECOND);
    assertEquals(first, dekOf(reserve(r, 1)));
    assertEquals(1, kms.calls.get());
    now.advance(2 * SECOND); // 91 s: past the refresh point
    assertEquals(first, dekOf(reserve(r, 1)));
    kms.awaitCalls(2);
    now.advance(10 * SECOND); // 101 s: retired
    assertNotEquals(first, dekOf(reserve(r, 1)));
    assertEquals(2, kms.calls.get());
  }

  @Test
  void theAgeLimitRotatesExactlyAtTheLimitOnEveryRecordOnceTheTimerRan() {
    DekRotator r = rotator(100 * SECOND, Long.MAX_VALUE, Long.MAX_VALUE);
    String first = dekOf(reserve(r, 1));
    now.advance(100 * SECOND - 1); // 1 ns before the limit; the 90% timer has run
    for (int i = 0; i < 40; i++) { // whatever their sequence numbers
      assertEquals(first, dekOf(reserve(r, 1)));
    }
    now.advance(1); // exactly at the limit
    assertNotEquals(first, dekOf(reserve(r, 1)), "the first record at the limit rotates");
  }

  @Test
  void withALateTimerAtMostFifteenRecordsGoOutPastTheAgeLimit() {
    DekRotator r = rotator(100 * SECOND, Long.MAX_VALUE, Long.MAX_VALUE);
    String first = dekOf(reserve(r, 1)); // record 0 reads the clock
    now.stopTimer();
    now.advance(101 * SECOND);
    int late = 0;
    while (dekOf(reserve(r, 1)).equals(first)) {
      late++;
      assertTrue(late < ActiveDek.CLOCK_EVERY, "bounded by the records between clock reads");
    }
    assertEquals(ActiveDek.CLOCK_EVERY - 1, late, "records 1 to 15 do not read the clock");
    // the new key's record 0 read the clock; past 90% of its age a read switches every record on
    String second = dekOf(reserve(r, 1));
    for (int i = 0; i < ActiveDek.CLOCK_EVERY; i++) {
      reserve(r, 1); // the 16th reads the clock: still young
    }
    now.advance(95 * SECOND);
    for (int i = 0; i < ActiveDek.CLOCK_EVERY; i++) { // one of them reads: past 90%
      assertEquals(second, dekOf(reserve(r, 1)));
    }
    now.advance(5 * SECOND); // at the limit: now every record reads the clock
    assertNotEquals(second, dekOf(reserve(r, 1)));
  }

  @Test
  void aKeyRetiredBeforeItsAgeDropsItsAgeTimer() {
    DekRotator r = rotator(3600 * SECOND, 10, Long.MAX_VALUE);
    for (int i = 0; i < 35; i++) {
      reserve(r, 1);
    }
    assertEquals(1, now.pendingTasks(), "only the key in use keeps its age timer");
    r.retire();
    assertEquals(0, now.pendingTasks());
  }

  @Test
  void theByteLimitRetiresAKeyAfterTheRecordThatCrossesIt() {
    DekRotator r = rotator(3600 * SECOND, Long.MAX_VALUE, 1000);
    String first = dekOf(reserve(r, 600));
    assertEquals(first, dekOf(reserve(r, 600)), "the record that crosses the limit is the last");
    assertNotEquals(first, dekOf(reserve(r, 1)));
    // a record larger than the whole limit still goes out, alone, under a fresh key
    DekRotator big = rotator(3600 * SECOND, Long.MAX_VALUE, 1000);
    String a = dekOf(reserve(big, 5000));
    assertNotEquals(a, dekOf(reserve(big, 1)));
  }

  @Test
  void sixteenThreadsMeetingAMissingKeyTogetherCauseOneKmsCall() throws Exception {
    DekRotator r = rotator(3600 * SECOND, 1_000_000, Long.MAX_VALUE);
    kms.gate = new Semaphore(0); // the KMS answers only when the test says so
    CyclicBarrier start = new CyclicBarrier(16);
    var pool = Executors.newFixedThreadPool(16);
    try {
      List<Future<String>> leases = new ArrayList<>();
      for (int t = 0; t < 16; t++) {
        leases.add(pool.submit(() -> {
          start.await();
          return dekOf(reserve(r, 1));
        }));
      }
      kms.awaitCalls(1);
      kms.gate.release(100);
      Set<String> deks = new HashSet<>();
      for (Future<String> f : leases) {
        deks.add(f.get(30, TimeUnit.SECONDS));
      }
      assertEquals(1, deks.size(), "all sixteen records under the one new key");
      assertEquals(1, kms.calls.get());
      assertEquals(1, kms.maxConcurrent.get());
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aFailingKmsIsNotHammeredAndNoRecordGoesOutWithoutAKey() throws Exception {
    DekRotator r = rotator(100 * SECOND, Long.MAX_VALUE, Long.MAX_VALUE);
    kms.failWith = Reason.UNAVAILABLE;
    KmsException e = assertThrows(KmsException.class, () -> reserve(r, 1));
    assertEquals(Reason.UNAVAILABLE, e.reason());
    assertEquals(1, kms.calls.get());
    for (int i = 0; i < 100; i++) {
      assertSame(Reason.UNAVAILABLE, assertThrows(KmsException.class, () -> reserve(r, 1))
          .reason());
    }
    assertEquals(1, kms.calls.get(), "the failure is remembered for the backoff");
    now.advance(6 * SECOND);
    kms.failWith = null;
    String first = dekOf(reserve(r, 1));
    assertEquals(2, kms.calls.get());
    // the KMS fails again while the key is in use: the key serves to its limit, then sends fail
    kms.failWith = Reason.THROTTLED;
    now.advance(95 * SECOND); // past the refresh point: a background request fails
    assertEquals(first, dekOf(reserve(r, 1)));
    kms.awaitCalls(3);
    now.advance(10 * SECOND); // past the age limit
    assertEquals(Reason.THROTTLED, assertThrows(KmsException.class, () -> reserve(r, 1))
        .reason());
  }

  /** Hands out keys, counts calls, can fail, and can hold calls until a test releases them. */
  private static final class CountingKms implements KeyManagementService {
    final AtomicInteger calls = new AtomicInteger();
    final AtomicInteger inFlight = new AtomicInteger();
    final AtomicInteger maxConcurrent = new AtomicInteger();
    final Semaphore called = new Semaphore(0);
    volatile Semaphore gate;
    volatile Reason failWith;

    void awaitCalls(int n) throws InterruptedException {
      while (calls.get() < n) {
        assertTrue(called.tryAcquire(30, TimeUnit.SECONDS), "KMS call " + n + " expected");
      }
    }

    @Override
    public DataKey generateDataKey(String kekId, EncryptionContext context) {
      int concurrent = inFlight.incrementAndGet();
      maxConcurrent.accumulateAndGet(concurrent, Math::max);
      try {
        calls.incrementAndGet();
        called.release();
        Semaphore g = gate;
        if (g != null) {
          g.acquireUninterruptibly();
        }
        if (failWith != null) {
          throw new KmsException(failWith, kekId, "injected");
        }
        byte[] key = new byte[32];
        key[0] = (byte) calls.get();
        return new DataKey(key, new byte[] {1, 2, 3}, "v1");
      } finally {
        inFlight.decrementAndGet();
      }
    }

    @Override
    public byte[] unwrap(String kekId, byte[] wrappedKey, EncryptionContext context) {
      throw new UnsupportedOperationException();
    }

    @Override
    public String describe() {
      return "counting";
    }

    @Override
    public void close() {}
  }
}
