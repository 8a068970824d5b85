package io.kafkaenvelope.serde;

import com.github.benmanes.caffeine.cache.Ticker;
import io.kafkaenvelope.kms.KeyManagementService.Health;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The answer of {@code health()}: the last probe's result, probed again at most once per
 * {@code envelope.kms.health.interval.ms}. Readiness endpoints are polled every few seconds by
 * every replica; without this each poll would be a KMS call (and a metered, rate-limited one).
 * Callers arriving while a probe runs wait for it rather than starting their own.
 */
final class Readiness {

  private final Supplier<Health> probe;
  private final Ticker ticker;
  private final long intervalNanos;
  private Health last;
  private long lastAt;

  Readiness(Supplier<Health> probe, Ticker ticker, long intervalMs) {
    this.probe = probe;
    this.ticker = ticker;
    this.intervalNanos = TimeUnit.MILLISECONDS.toNanos(intervalMs);
  }

  synchronized Health get() {
    long now = ticker.read();
    if (last == null || now - lastAt >= intervalNanos) {
      try {
        last = probe.get();
      } catch (RuntimeException e) { // health() never throws; the class name only, no message
        last = new Health(false, "the KMS check failed: " + e.getClass().getName(),
            java.time.Instant.now());
      }
      lastAt = now;
    }
    return last;
  }
}
