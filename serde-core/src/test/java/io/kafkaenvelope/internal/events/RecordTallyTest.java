package io.kafkaenvelope.internal.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/**
 * The per-record counts are exact whichever threads count: the owner's fast path, the other
 * threads' adders, and both at once. Outcomes do not depend on the interleaving (sums are).
 */
class RecordTallyTest {

  @Test
  void theFirstThreadToCountOwnsTheFastPathAndCountsExactly() {
    RecordTally t = new RecordTally();
    assertNull(t.owner());
    assertEquals(0, t.records());
    assertEquals(0, t.bytes());
    for (int i = 0; i < 1000; i++) {
      t.add(i);
    }
    t.add(Integer.MAX_VALUE);
    t.add(Integer.MAX_VALUE);
    assertSame(Thread.currentThread(), t.owner());
    assertEquals(1002, t.records());
    assertEquals(999L * 1000 / 2 + 2L * Integer.MAX_VALUE, t.bytes()); // past int range
  }

  @Test
  void threadsCountingAtOnceLoseNothing() throws InterruptedException {
    RecordTally t = new RecordTally();
    int threads = 4;
    int perThread = 20_000;
    CountDownLatch start = new CountDownLatch(1);
    List<Thread> workers = new ArrayList<>();
    for (int w = 0; w < threads; w++) {
      int bytes = w + 1;
      Thread th = new Thread(() -> {
        awaitQuietly(start);
        for (int i = 0; i < perThread; i++) {
          t.add(bytes);
        }
      });
      th.start();
      workers.add(th);
    }
    start.countDown();
    for (Thread th : workers) {
      th.join();
    }
    assertEquals((long) threads * perThread, t.records());
    assertEquals((long) perThread * (1 + 2 + 3 + 4), t.bytes());
    assertTrue(workers.contains(t.owner()), "one of the workers owns the fast path");
  }

  @Test
  void anOwnerThatEndedKeepsItsCountsAndOthersAddToThem() throws InterruptedException {
    RecordTally t = new RecordTally();
    Thread first = new Thread(() -> {
      for (int i = 0; i < 5; i++) {
        t.add(10);
      }
    });
    first.start();
    first.join();
    for (int i = 0; i < 7; i++) {
      t.add(3);
    }
    assertSame(first, t.owner());
    assertEquals(12, t.records());
    assertEquals(50 + 21, t.bytes());
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
