package io.kafkaenvelope.internal.dek;

import com.github.benmanes.caffeine.cache.Ticker;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A clock for tests: the rotators' {@link Ticker} and their {@link DeadlineTimer} in one, so a
 * key's age timer runs exactly when the test moves the clock past its deadline (synchronously,
 * in {@link #advance}), never by wall time. {@link #stopTimer} makes the timer late for good, as a
 * starved timer thread would be.
 */
public final class FakeClock implements Ticker, DeadlineTimer {

  private final AtomicLong now;
  private final List<Task> tasks = new ArrayList<>();
  private volatile boolean stopped;

  private final class Task extends CompletableFuture<Void> {
    final long deadline;
    final Runnable run;

    Task(long deadline, Runnable run) {
      this.deadline = deadline;
      this.run = run;
    }

    @Override
    public boolean cancel(boolean mayInterrupt) {
      synchronized (tasks) {
        tasks.remove(this);
      }
      return super.cancel(mayInterrupt);
    }
  }

  public FakeClock(long startNanos) {
    this.now = new AtomicLong(startNanos);
  }

  @Override
  public long read() {
    return now.get();
  }

  /** Moves the clock on and runs the timer tasks now due (unless the timer is stopped). */
  public void advance(long nanos) {
    long t = now.addAndGet(nanos);
    if (stopped) {
      return;
    }
    List<Task> due = new ArrayList<>();
    synchronized (tasks) {
      tasks.removeIf(task -> task.deadline - t <= 0 && due.add(task));
    }
    for (Task task : due) {
      task.run.run();
      task.complete(null);
    }
  }

  /** From now on no timer task runs: the case the records-based bound of the age is for. */
  public void stopTimer() {
    stopped = true;
  }

  /** Timer tasks waiting for their deadline. */
  public int pendingTasks() {
    synchronized (tasks) {
      return tasks.size();
    }
  }

  @Override
  public Future<?> at(long deadline, Runnable task) {
    Task t = new Task(deadline, task);
    if (!stopped && deadline - now.get() <= 0) {
      task.run();
      t.complete(null);
      return t;
    }
    synchronized (tasks) {
      tasks.add(t);
    }
    return t;
  }
}
