package io.kafkaenvelope.benchmarks.soak;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class FaultScheduleTest {

  private final FaultSchedule s = FaultSchedule.defaults();

  @Test
  void healthyAtTheStartThenSpikesAndOutagesOnTheirPeriods() {
    assertEquals(FaultSchedule.KmsState.HEALTHY, s.kmsAt(Duration.ZERO));
    assertEquals(FaultSchedule.KmsState.HEALTHY, s.kmsAt(Duration.ofSeconds(22)));
    // first spike 22.5 s in, 10 s long, 1.5 s per call
    assertEquals(Duration.ofMillis(1500), s.kmsAt(Duration.ofSeconds(23)).latency());
    assertFalse(s.kmsAt(Duration.ofSeconds(23)).down());
    assertEquals(FaultSchedule.KmsState.HEALTHY, s.kmsAt(Duration.ofSeconds(33)));
    // first outage at 60 s for 15 s, again at 210 s
    assertTrue(s.kmsAt(Duration.ofSeconds(60)).down());
    assertTrue(s.kmsAt(Duration.ofMillis(74_999)).down());
    assertFalse(s.kmsAt(Duration.ofSeconds(75)).down());
    assertTrue(s.kmsAt(Duration.ofSeconds(211)).down());
    // unwrap-only outage half a period after each full one: 135 s for 15 s
    FaultSchedule.KmsState unwrapOnly = s.kmsAt(Duration.ofSeconds(136));
    assertTrue(unwrapOnly.unwrapDown());
    assertFalse(unwrapOnly.down());
    assertFalse(s.kmsAt(Duration.ofSeconds(150)).unwrapDown());
  }

  @Test
  void anOutageWinsOverASpike() {
    // 67.5 s is both in the second spike (67.5-77.5) and in the first outage (60-75)
    FaultSchedule.KmsState both = s.kmsAt(Duration.ofMillis(68_000));
    assertTrue(both.down());
    assertEquals(Duration.ZERO, both.latency());
  }

  @Test
  void thirtyMinutesHaveSixRestartsTwelveOutagesAndFortySpikes() {
    assertEquals(0, s.restartsDueBy(Duration.ofMinutes(4)));
    assertEquals(1, s.restartsDueBy(Duration.ofMinutes(5)));
    assertEquals(6, s.restartsDueBy(Duration.ofMinutes(30)));
    int outages = 0;
    int unwrapOutages = 0;
    int spikeStarts = 0;
    FaultSchedule.KmsState last = FaultSchedule.KmsState.HEALTHY;
    for (long ms = 0; ms < Duration.ofMinutes(30).toMillis(); ms += 100) {
      FaultSchedule.KmsState now = s.kmsAt(Duration.ofMillis(ms));
      outages += now.down() && !last.down() ? 1 : 0;
      unwrapOutages += now.unwrapDown() && !now.down() && !last.unwrapDown() ? 1 : 0;
      spikeStarts += !now.latency().isZero() && last.latency().isZero() ? 1 : 0;
      last = now;
    }
    assertEquals(12, outages);
    assertEquals(12, unwrapOutages);
    assertTrue(spikeStarts >= 30 && spikeStarts <= 40, "spikes: " + spikeStarts);
  }
}
