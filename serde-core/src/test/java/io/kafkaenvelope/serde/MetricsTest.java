package io.kafkaenvelope.serde;

import static io.kafkaenvelope.testing.TestConfigs.MARKER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkaenvelope.internal.events.AuditLog;
import io.kafkaenvelope.testing.CapturingAppender;
import io.kafkaenvelope.testing.TestConfigs;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * The serializer's and deserializer's metrics as JMX shows them, driven record by record on a
 * fake clock: records and bytes, rotations by record count, KMS calls, the active key's age,
 * cache hits and misses, failures by reason; the audit lines each key event writes; and the
 * MBeans leaving on {@code close()}.
 */
class MetricsTest {

  private static final MBeanServer JMX = ManagementFactory.getPlatformMBeanServer();

  private final String kmsName = TestConfigs.newKmsName();
  private final AtomicLong nanos = new AtomicLong(1_000_000_000L);

  private static double read(String group, String clientId, String metric, String extraTags)
      throws Exception {
    ObjectName name = new ObjectName("kafka.envelope:type=" + group + ",client-id=" + clientId
        + ",role=value" + extraTags);
    return ((Number) JMX.getAttribute(name, metric)).doubleValue();
  }

  private static double producer(String clientId, String metric, String tags) throws Exception {
    return read("kafka-envelope-serializer-metrics", clientId, metric, tags);
  }

  private static double consumer(String clientId, String metric, String tags) throws Exception {
    return read("kafka-envelope-deserializer-metrics", clientId, metric, tags);
  }

  private static List<String> audit(String clientId) {
    List<String> lines = new ArrayList<>();
    for (String e : CapturingAppender.events()) {
      if (e.startsWith(AuditLog.LOGGER_NAME + " ") && e.contains("client-id=" + clientId + " ")) {
        lines.add(e.substring(AuditLog.LOGGER_NAME.length() + 1));
      }
    }
    return lines;
  }

  private static long count(List<String> lines, String... parts) {
    return lines.stream().filter(l -> {
      for (String p : parts) {
        if (!l.contains(p)) {
          return false;
        }
      }
      return true;
    }).count();
  }

  private record Sent(Headers headers, byte[] wire) {}

  @Test
  void eachMetricChangesAsDrivenAndEachKeyEventIsAudited() throws Exception {
    String p = "metrics-p-" + kmsName;
    String c = "metrics-c-" + kmsName;
    Map<String, Object> configs = TestConfigs.base(kmsName);
    configs.put("envelope.dek.max.records", 10L);
    configs.put("client.id", p);
    EncryptingSerializer<String> serializer =
        new EncryptingSerializer<>(new StringSerializer(), nanos::get);
    serializer.configure(configs, false);
    List<Sent> sent = new ArrayList<>();
    for (int i = 0; i < 25; i++) {
      RecordHeaders h = new RecordHeaders();
      sent.add(new Sent(h, serializer.serialize("t", h, MARKER + "-" + i)));
    }
    nanos.addAndGet(TimeUnit.SECONDS.toNanos(7));
    int plaintextBytes = 0;
    for (int i = 0; i < 25; i++) {
      plaintextBytes += (MARKER + "-" + i).length();
    }

    assertEquals(25, producer(p, "records-encrypted-total", ""));
    assertEquals(plaintextBytes, producer(p, "bytes-encrypted-total", ""));
    assertEquals(3, producer(p, "deks-created-total", ""));
    assertEquals(2, producer(p, "dek-rotations-total", ",reason=records"));
    assertEquals(0, producer(p, "dek-rotations-total", ",reason=age"));
    assertEquals(3, producer(p, "kms-calls-total", ",operation=generate,outcome=success"));
    assertEquals(0, producer(p, "kms-calls-total", ",operation=generate,outcome=failure"));
    assertTrue(producer(p, "kms-call-time-max-ms", ",operation=generate") >= 0);
    assertEquals(7_000, producer(p, "dek-active-age-max-ms", ""), "on the fake clock");
    assertEquals(0, producer(p, "records-plaintext-total", ""));
    assertEquals(0, producer(p, "failures-total", ",reason=MISCONFIGURED"));

    Map<String, Object> readerConfigs = TestConfigs.base(kmsName);
    readerConfigs.put("client.id", c);
    DecryptingDeserializer<String> deserializer =
        new DecryptingDeserializer<>(new StringDeserializer());
    deserializer.configure(readerConfigs, false);
    for (int i = 0; i < 25; i++) {
      assertEquals(MARKER + "-" + i,
          deserializer.deserialize("t", sent.get(i).headers, sent.get(i).wire));
    }
    assertEquals(25, consumer(c, "records-decrypted-total", ""));
    assertEquals(plaintextBytes, consumer(c, "bytes-decrypted-total", ""));
    assertEquals(3, consumer(c, "dek-cache-misses-total", ""), "one per data key");
    assertEquals(22, consumer(c, "dek-cache-hits-total", ""));
    assertEquals(3, consumer(c, "dek-cache-size", ""));
    assertEquals(3, consumer(c, "kms-calls-total", ",operation=unwrap,outcome=success"));

    // failures: a tampered record, and records under a KEK this reader does not accept
    byte[] tampered = sent.get(3).wire.clone();
    tampered[tampered.length - 1] ^= 1;
    assertThrows(EnvelopeException.class,
        () -> deserializer.deserialize("t", sent.get(3).headers, tampered));
    assertEquals(1, consumer(c, "failures-total", ",reason=TAMPERED"));
    Map<String, Object> otherKek = new HashMap<>(TestConfigs.base(kmsName));
    otherKek.put("envelope.kek.id", "kek-other");
    try (EncryptingSerializer<String> other = new EncryptingSerializer<>(new StringSerializer())) {
      other.configure(otherKek, false);
      for (int i = 0; i < 3; i++) {
        RecordHeaders h = new RecordHeaders();
        byte[] wire = other.serialize("t", h, MARKER);
        EnvelopeException e = assertThrows(EnvelopeException.class,
            () -> deserializer.deserialize("t", h, wire));
        assertEquals(EnvelopeException.Reason.KEK_NOT_ALLOWED, e.reason());
      }
    }
    assertEquals(3, consumer(c, "failures-total", ",reason=KEK_NOT_ALLOWED"));
    assertEquals(3, consumer(c, "kms-calls-total", ",operation=unwrap,outcome=success"),
        "refused before any KMS call");

    List<String> pLines = audit(p);
    assertEquals(1, count(pLines, "event=dek-created", "reason=first", "kek=kek-1"),
        pLines::toString);
    assertEquals(2, count(pLines, "event=dek-created", "reason=records", "replaces="));
    assertEquals(2, count(pLines, "event=dek-retired", "reason=records", "records=10"));
    List<String> cLines = audit(c);
    assertEquals(3, count(cLines, "event=dek-unwrapped", "first-in-process=true", "topic=t"));
    assertEquals(1, count(cLines, "event=record-refused", "kek=kek-other",
        "reason=KEK_NOT_ALLOWED"), "first refusal per KEK only: " + cLines);

    serializer.close();
    deserializer.close();
    assertEquals(3, count(audit(p), "event=dek-retired"), "the last key retired on close");
    assertTrue(JMX.queryNames(new ObjectName("kafka.envelope:client-id=" + p + ",*"), null)
        .isEmpty(), "the serializer's MBeans leave on close()");
    assertTrue(JMX.queryNames(new ObjectName("kafka.envelope:client-id=" + c + ",*"), null)
        .isEmpty(), "the deserializer's MBeans leave on close()");
    for (String l : pLines) {
      assertFalse(l.contains(MARKER), l);
    }
  }

  @Test
  void recordsSentAndAcceptedUnencryptedByPolicyAreCountedAndAuditedOncePerTopic()
      throws Exception {
    String p = "metrics-plain-p-" + kmsName;
    String c = "metrics-plain-c-" + kmsName;
    TestConfigs.kms(kmsName).strict();
    Map<String, Object> configs = TestConfigs.base(kmsName);
    configs.put("envelope.kek.id.template", "tenant-${topic}");
    configs.remove("envelope.kek.id");
    configs.put("envelope.kek.unresolved.policy", "plaintext");
    configs.put("client.id", p);
    Map<String, Object> readerConfigs = TestConfigs.base(kmsName);
    readerConfigs.put("envelope.plaintext.policy", "allow");
    readerConfigs.put("client.id", c);
    try (EncryptingSerializer<String> s = new EncryptingSerializer<>(new StringSerializer());
        DecryptingDeserializer<String> d = new DecryptingDeserializer<>(new StringDeserializer())) {
      s.configure(configs, false);
      d.configure(readerConfigs, false);
      for (int i = 0; i < 4; i++) {
        RecordHeaders h = new RecordHeaders();
        byte[] wire = s.serialize("unmapped", h, "x" + i);
        assertEquals("x" + i, d.deserialize("unmapped", h, wire));
      }
      assertEquals(4, producer(p, "records-plaintext-total", ""));
      assertEquals(0, producer(p, "records-encrypted-total", ""));
      assertEquals(4, consumer(c, "records-plaintext-total", ""));
      assertEquals(0, consumer(c, "records-decrypted-total", ""));
    }
    assertEquals(1, count(audit(p), "event=record-sent-unencrypted", "topic=unmapped",
        "kek=tenant-unmapped"), audit(p)::toString);
    assertEquals(1, count(audit(c), "event=record-accepted-unencrypted", "topic=unmapped"));
  }
}
