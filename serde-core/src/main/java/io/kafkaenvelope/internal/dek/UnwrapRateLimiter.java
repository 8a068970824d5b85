package io.kafkaenvelope.internal.dek;

import com.github.benmanes.caffeine.cache.Ticker;
import java.util.concurrent.TimeUnit;

/**
 * Bounds how many data keys one cache unwraps per second, so a flood of records with made-up
 * wrapped keys turns into a bounded number of KMS calls, not one per record. A generic cell rate
 * algorithm (GCRA, ITU-T I.371): each grant pushes a theoretical arrival time one interval ahead;
 * a caller more than one second's worth of grants ahead of the clock waits for its turn. A burst
 * of a full second's grants passes at once, so a consumer that starts against a backlog of many
 * data keys is slowed, not failed.
 *
 * <p>Internal API.
 */
final class UnwrapRateLimiter {

  private final long intervalNanos;
  private final long toleranceNanos;
  private final Ticker ticker;
  private long theoreticalArrival;

  UnwrapRateLimiter(int perSecond, Ticker ticker) {
    this.intervalNanos = TimeUnit.SECONDS.toNanos(1) / perSecond;
    this.toleranceNanos = intervalNanos * (perSecond - 1L);
    this.ticker = ticker;
    this.theoreticalArrival = ticker.read();
  }

  /**
   * Takes a grant, returning how long the caller must wait before using it (0 for at once), or
   * -1 without taking one when that wait would exceed {@code maxWaitNanos}.
   */
  synchronized long reserve(long maxWaitNanos) {
    long now = ticker.read();
    long tat = Math.max(theoreticalArrival, now);
    long wait = Math.max(0, tat - now - toleranceNanos);
    if (wait > maxWaitNanos) {
      return -1;
    }
    theoreticalArrival = tat + intervalNanos;
    return wait;
  }
}
