package io.kafkaenvelope.kms.vault;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;

/**
 * A clock that moves only when the test advances it, and the {@link VaultAuth.Scheduler} that
 * runs the planned background work (token lookup, renewal, re-login) on the test's thread when
 * the clock reaches it. Pass {@link #millis()} to {@link FakeVault#clock} so the fake Vault's
 * token TTLs run on the same time: token lifetimes then do not depend on how fast the machine is.
 */
final class ManualTime implements VaultAuth.Scheduler {

  private static final class Planned {
    final long dueNanos;
    final long order;
    final FutureTask<Void> task;

    Planned(long dueNanos, long order, FutureTask<Void> task) {
      this.dueNanos = dueNanos;
      this.order = order;
      this.task = task;
    }
  }

  private long nanos = TimeUnit.SECONDS.toNanos(1_000_000); // guarded by this
  private long planned; // guarded by this: tasks planned so far, to keep their order
  private final List<Planned> queue = new ArrayList<>(); // guarded by this
  private boolean shutdown; // guarded by this

  synchronized long nanos() {
    return nanos;
  }

  long millis() {
    return TimeUnit.NANOSECONDS.toMillis(nanos());
  }

  /** A client on this clock and scheduler. */
  VaultTransitKms client(Map<String, Object> config) {
    return new VaultTransitKms(new VaultTransitConfig(config), this::nanos, this);
  }

  /**
   * Moves the clock {@code ms} forward, running every planned task whose time comes, in the order
   * of their times, each with the clock at its time (a task may plan the next one).
   */
  void advance(long ms) {
    long target;
    synchronized (this) {
      target = nanos + TimeUnit.MILLISECONDS.toNanos(ms);
    }
    while (true) {
      Planned next;
      synchronized (this) {
        next = null;
        for (Planned p : queue) {
          if (p.dueNanos <= target && (next == null || p.dueNanos < next.dueNanos
              || p.dueNanos == next.dueNanos && p.order < next.order)) {
            next = p;
          }
        }
        if (next == null) {
          nanos = target;
          return;
        }
        queue.remove(next);
        nanos = Math.max(nanos, next.dueNanos);
      }
      next.task.run(); // a no-op when cancelled
      if (!next.task.isCancelled()) {
        try {
          next.task.get();
        } catch (ExecutionException | InterruptedException e) {
          throw new AssertionError("a background task failed", e.getCause());
        }
      }
    }
  }

  /** Runs what is due now (e.g. the lookup a given token starts with). */
  void runDue() {
    advance(0);
  }

  /** Tasks planned and not yet run or cancelled. */
  synchronized int pending() {
    return (int) queue.stream().filter(p -> !p.task.isCancelled()).count();
  }

  @Override
  public void execute(Runnable task) {
    schedule(task, 0);
  }

  @Override
  public synchronized Future<?> schedule(Runnable task, long delayMs) {
    FutureTask<Void> f = new FutureTask<>(task, null);
    if (!shutdown) {
      queue.add(new Planned(nanos + TimeUnit.MILLISECONDS.toNanos(delayMs), planned++, f));
    }
    return f;
  }

  @Override
  public synchronized boolean isShutdown() {
    return shutdown;
  }

  @Override
  public synchronized void shutdownNow() {
    shutdown = true;
    queue.clear();
  }
}
