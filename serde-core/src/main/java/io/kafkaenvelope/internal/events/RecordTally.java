package io.kafkaenvelope.internal.events;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.LongAdder;

/**
 * Records and their bytes, counted exactly, cheaply for the one thread that counts first.
 *
 * <p>Why: a consumer's deserializer runs on its poll thread only ({@code KafkaConsumer} is not
 * thread-safe), and most producers are sent to from one thread. Two {@link LongAdder} updates per
 * record are two locked compare-and-set instructions, about 12 ns on the 2-core VM of
 * docs/performance.md: 2% of sealing a 1 KiB record. The first thread to count becomes the owner
 * and keeps its counts in two fields only it writes, with release stores (plain stores on x86,
 * no locked instruction): the single-writer counter of Agrona's {@code AtomicCounter
 * #incrementOrdered}. Every other thread counts in {@link LongAdder}s, as before. A reader adds
 * both, so once the counting calls have returned the totals are exact, whichever threads made
 * them (RecordTallyTest).
 *
 * <p>The owner is kept for the tally's life, even after its thread ends, so that its counts stay
 * in the totals.
 */
final class RecordTally {

  private static final VarHandle OWNER;
  private static final VarHandle OWNER_RECORDS;
  private static final VarHandle OWNER_BYTES;

  static {
    try {
      MethodHandles.Lookup l = MethodHandles.lookup();
      OWNER = l.findVarHandle(RecordTally.class, "owner", Thread.class);
      OWNER_RECORDS = l.findVarHandle(RecordTally.class, "ownerRecords", long.class);
      OWNER_BYTES = l.findVarHandle(RecordTally.class, "ownerBytes", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /** The thread that counted first; {@code null} until one has. */
  private volatile Thread owner;
  /** Written by {@link #owner} only, with release stores; read with acquire loads. */
  private long ownerRecords;
  private long ownerBytes;
  private final LongAdder otherRecords = new LongAdder();
  private final LongAdder otherBytes = new LongAdder();

  /** One record of {@code bytes} bytes. */
  void add(long bytes) {
    Thread t = Thread.currentThread();
    if (owner == t || owner == null && OWNER.compareAndSet(this, null, t)) {
      // The owner is the only writer of these fields, so its plain reads see its own writes.
      OWNER_RECORDS.setRelease(this, ownerRecords + 1);
      OWNER_BYTES.setRelease(this, ownerBytes + bytes);
    } else {
      otherRecords.increment();
      otherBytes.add(bytes);
    }
  }

  /** The thread whose counts take the fast path, or {@code null} before any count (tests). */
  Thread owner() {
    return owner;
  }

  long records() {
    return (long) OWNER_RECORDS.getAcquire(this) + otherRecords.sum();
  }

  long bytes() {
    return (long) OWNER_BYTES.getAcquire(this) + otherBytes.sum();
  }
}
