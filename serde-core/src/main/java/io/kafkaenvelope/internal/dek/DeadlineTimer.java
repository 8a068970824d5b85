package io.kafkaenvelope.internal.dek;

import com.github.benmanes.caffeine.cache.Ticker;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Runs a task once the rotators' clock reaches a deadline. A {@link DekRotator} uses it to tell a
 * data key that it is within the last tenth of its {@code envelope.dek.max.age.ms}, from when on
 * every record reads the clock (before that only every {@value ActiveDek#CLOCK_EVERY}th record
 * does: a clock read costs ~27 ns per record on a KVM guest, a twentieth of sealing 1 KiB). A
 * test's fake clock implements both this and {@link Ticker}, so rotation by age stays exact and
 * deterministic on a fake clock.
 *
 * <p>Internal API: used by the serializer, not meant for applications.
 */
public interface DeadlineTimer {

  /**
   * Runs {@code task} once the clock reads {@code deadline} or later (at once if it already
   * does). Cancelling the returned future drops the task.
   */
  Future<?> at(long deadline, Runnable task);

  /**
   * A timer on {@code executor} for deadlines of {@code ticker}. Once the executor is shut down
   * (the serializer closed) tasks run at once: the key then reads the clock on every record.
   */
  static DeadlineTimer on(ScheduledExecutorService executor, Ticker ticker) {
    return (deadline, task) -> {
      try {
        return executor.schedule(task, Math.max(0, deadline - ticker.read()),
            TimeUnit.NANOSECONDS);
      } catch (RejectedExecutionException closed) {
        task.run();
        return CompletableFuture.completedFuture(null);
      }
    };
  }
}
