package io.kafkaenvelope.benchmarks.soak;

import java.time.Duration;

/**
 * When the soak's KMS is slow or down and when the broker restarts: a fixed timeline, a pure
 * function of the time since the start, so two runs of the same length inject the same faults
 * and a unit test can check it. Latency spikes and outages repeat with their own periods; an
 * outage wins over a spike. A full outage (every call fails, so producers cannot rotate) starts
 * {@code outageOffset} in; an unwrap-only outage (new data keys are made, consumers cannot unwrap
 * them) starts one period later by half a period. Restarts happen at every multiple of their
 * period (not at 0).
 */
public record FaultSchedule(Duration spikeEvery, Duration spikeLength, Duration spikeLatency,
    Duration outageEvery, Duration outageLength, Duration outageOffset, Duration restartEvery) {

  /** What the KMS does at one moment. */
  public record KmsState(boolean down, boolean unwrapDown, Duration latency) {
    static final KmsState HEALTHY = new KmsState(false, false, Duration.ZERO);
  }

  /** The defaults of {@code -Psoak}: spikes every 45 s, outages every 150 s, restarts 5 min. */
  public static FaultSchedule defaults() {
    return new FaultSchedule(Duration.ofSeconds(45), Duration.ofSeconds(10),
        Duration.ofMillis(1500), Duration.ofSeconds(150), Duration.ofSeconds(15),
        Duration.ofSeconds(60), Duration.ofMinutes(5));
  }

  /** The KMS's state {@code elapsed} after the start. */
  public KmsState kmsAt(Duration elapsed) {
    long t = elapsed.toMillis();
    if (inWindow(t - outageOffset.toMillis(), outageEvery, outageLength)) {
      return new KmsState(true, true, Duration.ZERO);
    }
    if (inWindow(t - outageOffset.toMillis() - outageEvery.toMillis() / 2, outageEvery,
        outageLength)) {
      return new KmsState(false, true, Duration.ZERO);
    }
    // spikes start half a period in, so the first seconds run on a healthy KMS
    if (inWindow(t - spikeEvery.toMillis() / 2, spikeEvery, spikeLength)) {
      return new KmsState(false, false, spikeLatency);
    }
    return KmsState.HEALTHY;
  }

  /** How many restarts are due by {@code elapsed}. */
  public long restartsDueBy(Duration elapsed) {
    return restartEvery.isZero() ? 0 : elapsed.toMillis() / restartEvery.toMillis();
  }

  private static boolean inWindow(long t, Duration every, Duration length) {
    if (t < 0 || every.isZero() || length.isZero()) {
      return false;
    }
    return t % every.toMillis() < length.toMillis();
  }
}
