package io.kafkaenvelope.internal.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkaenvelope.internal.events.EnvelopeEvents.KmsOperation;
import io.kafkaenvelope.internal.events.EnvelopeEvents.Side;
import io.kafkaenvelope.internal.wire.Role;
import io.kafkaenvelope.serde.EnvelopeException;
import io.kafkaenvelope.testing.CapturingAppender;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.metrics.KafkaMetric;
import org.apache.kafka.common.metrics.Metrics;
import org.junit.jupiter.api.Test;

/**
 * The event seam alone, on a fake clock: each counter under its documented name and tags, KMS
 * timing in milliseconds, and the audit trail's defences: a refusal is audited once per KEK, a
 * flood of KEKs is summed up at most once a minute, and a forged KEK id cannot forge a line.
 */
class EnvelopeEventsTest {

  private final AtomicLong now = new AtomicLong(5_000_000_000L);


  private static void refuse(EnvelopeEvents e, String kekId) {
    e.failed(EnvelopeException.Reason.KEK_NOT_ALLOWED, "t", kekId, "0011");
  }

  private static List<String> audit(String clientId) {
    List<String> lines = new ArrayList<>();
    for (String e : CapturingAppender.events()) {
      if (e.startsWith(AuditLog.LOGGER_NAME + " ") && e.contains("client-id=" + clientId + " ")) {
        lines.add(e);
      }
    }
    return lines;
  }

  private static double value(Metrics m, String name, String group, Map<String, String> tags) {
    KafkaMetric metric = m.metric(new MetricName(name, group, "", tags));
    return ((Number) metric.metricValue()).doubleValue();
  }

  @Test
  void countersAppearUnderTheirNamesAndTags() {
    EnvelopeEvents e = new EnvelopeEvents(Side.DESERIALIZER, Role.KEY, "unit-c", now::get);
    try (Metrics m = new Metrics()) {
      e.register(m);
      e.processed(100);
      e.processed(20);
      e.processedFromCache(5); // a record and a cache hit in one update
      e.cacheHit();
      e.cacheMiss();
      e.kmsCall(KmsOperation.UNWRAP, TimeUnit.MILLISECONDS.toNanos(40), true);
      e.kmsCall(KmsOperation.UNWRAP, TimeUnit.MILLISECONDS.toNanos(20), false);
      e.failed(EnvelopeException.Reason.TAMPERED, "t", "k", "00");
      e.cacheSize(() -> 7);
      String g = "kafka-envelope-deserializer-metrics";
      Map<String, String> base = Map.of("client-id", "unit-c", "role", "key");
      assertEquals(3, value(m, "records-decrypted-total", g, base));
      assertEquals(125, value(m, "bytes-decrypted-total", g, base));
      assertEquals(2, value(m, "dek-cache-hits-total", g, base));
      assertEquals(1, value(m, "dek-cache-misses-total", g, base));
      assertEquals(7, value(m, "dek-cache-size", g, base));
      assertEquals(1, value(m, "failures-total", g,
          Map.of("client-id", "unit-c", "role", "key", "reason", "TAMPERED")));
      assertEquals(0, value(m, "failures-total", g,
          Map.of("client-id", "unit-c", "role", "key", "reason", "MALFORMED")));
      assertEquals(1, value(m, "kms-calls-total", g, Map.of("client-id", "unit-c", "role", "key",
          "operation", "unwrap", "outcome", "failure")));
      Map<String, String> unwrap = Map.of("client-id", "unit-c", "role", "key",
          "operation", "unwrap");
      assertEquals(30.0, value(m, "kms-call-time-avg-ms", g, unwrap), 1e-9);
      assertEquals(40.0, value(m, "kms-call-time-max-ms", g, unwrap), 1e-9);
      assertEquals(null, m.metric(new MetricName("kms-calls-total", g, "",
          Map.of("client-id", "unit-c", "role", "key", "operation", "generate", "outcome",
              "success"))), "a deserializer does not generate keys");
    }
  }

  @Test
  void refusalsAreAuditedOncePerKekAndAFloodIsSummedUpOnceAMinute() {
    EnvelopeEvents e = new EnvelopeEvents(Side.DESERIALIZER, Role.VALUE, "unit-flood", now::get);
    for (int i = 0; i < 3; i++) {
      refuse(e, "kek-a");
    }
    assertEquals(1, audit("unit-flood").size(), "one line for kek-a however often");
    for (int i = 0; i < 500; i++) {
      refuse(e, "forged-" + i);
    }
    List<String> lines = audit("unit-flood");
    long refused = lines.stream().filter(l -> l.contains("event=record-refused")).count();
    assertEquals(EnvelopeEvents.MAX_AUDITED_KEKS, refused);
    List<String> summaries = lines.stream()
        .filter(l -> l.contains("event=records-refused-unlogged")).toList();
    assertEquals(1, summaries.size(), "at most one summary a minute");
    assertTrue(summaries.get(0).contains("count=1 "), summaries.get(0));
    now.addAndGet(TimeUnit.SECONDS.toNanos(61));
    refuse(e, "forged-x");
    summaries = audit("unit-flood").stream()
        .filter(l -> l.contains("event=records-refused-unlogged")).toList();
    assertEquals(2, summaries.size());
    // kek-a took one of the audited slots; the first summary took one refusal, forged-x adds one
    int unaudited = 500 - (EnvelopeEvents.MAX_AUDITED_KEKS - 1);
    assertTrue(summaries.get(1).contains("count=" + unaudited + " "),
        "the refusals since the last summary: " + summaries.get(1));
    assertEquals(504, e.failures(EnvelopeException.Reason.KEK_NOT_ALLOWED), "all counted");
  }

  @Test
  void aForgedKekIdCannotForgeAnAuditLine() {
    EnvelopeEvents e = new EnvelopeEvents(Side.DESERIALIZER, Role.VALUE, "unit-forge", now::get);
    refuse(e, "evil\nevent=dek-created kek=x");
    List<String> lines = audit("unit-forge");
    assertEquals(1, lines.size());
    assertFalse(lines.get(0).contains("\n"), lines.get(0));
    assertTrue(lines.get(0).contains("kek=\"evil?event=dek-created kek=x\""), lines.get(0));
  }

  @Test
  void rotationsAreCountedByReasonAndBothKeysAudited() {
    EnvelopeEvents e = new EnvelopeEvents(Side.SERIALIZER, Role.VALUE, "unit-rot", now::get);
    e.dekCreated("k", "3", "aa", null, null, 0);
    e.dekCreated("k", "3", "bb", "aa", EnvelopeEvents.RotationReason.BYTES, 42);
    assertEquals(1, e.rotations(EnvelopeEvents.RotationReason.BYTES));
    assertEquals(0, e.rotations(EnvelopeEvents.RotationReason.AGE));
    List<String> lines = audit("unit-rot");
    assertEquals(3, lines.size(), lines::toString);
    assertTrue(lines.get(0).endsWith("event=dek-created client-id=unit-rot role=value kek=k "
        + "kek-version=3 dek=aa reason=first"), lines.get(0));
    assertTrue(lines.get(1).endsWith("event=dek-retired client-id=unit-rot role=value kek=k "
        + "kek-version=3 dek=aa reason=bytes records=42"), lines.get(1));
    assertTrue(lines.get(2).endsWith("event=dek-created client-id=unit-rot role=value kek=k "
        + "kek-version=3 dek=bb reason=bytes replaces=aa"), lines.get(2));
  }
}
