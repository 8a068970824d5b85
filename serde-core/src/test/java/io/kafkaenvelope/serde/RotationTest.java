package io.kafkaenvelope.serde;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkaenvelope.kms.memory.InMemoryKms;
import io.kafkaenvelope.testing.Pair;
import io.kafkaenvelope.testing.TestConfigs;
import io.kafkaenvelope.internal.dek.FakeClock;
import io.kafkaenvelope.internal.wire.EnvelopeHeader;
import io.kafkaenvelope.internal.wire.Role;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

class RotationTest {

  private final String kmsName = TestConfigs.newKmsName();
  private final Map<String, Object> configs = TestConfigs.base(kmsName);
  private final FakeClock nanos = new FakeClock(1_000_000_000L);

  private record Sent(Headers headers, byte[] wire, String value) {}

  private Sent send(Pair p, String value) {
    RecordHeaders h = new RecordHeaders();
    return new Sent(h, p.serializer.serialize("t", h, value), value);
  }

  private static String dekId(Sent s) {
    return EnvelopeHeader.parse(s.headers.lastHeader(Role.VALUE.headerName()).value()).dekIdHex();
  }

  private Pair pairWithTicker() {
    return new Pair(new EncryptingSerializer<>(new StringSerializer(), nanos), configs, false);
  }

  /** Waits until the background refresh has reached the KMS {@code calls} times. */
  private void awaitGenerateCalls(int calls) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (TestConfigs.kms(kmsName).generateCalls() < calls && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
  }

  @Test
  void rotatesByRecordCountAndOldRecordsStillDecrypt() {
    configs.put("envelope.dek.max.records", 10L);
    List<Sent> sent = new ArrayList<>();
    try (Pair p = new Pair(configs, false)) {
      for (int i = 0; i < 35; i++) {
        sent.add(send(p, "r" + i));
      }
      Set<String> deks = new LinkedHashSet<>();
      for (int i = 0; i < sent.size(); i++) {
        deks.add(dekId(sent.get(i)));
        assertEquals(dekId(sent.get(i - i % 10)), dekId(sent.get(i)), "10 records per DEK");
      }
      assertEquals(4, deks.size());
      assertEquals(4, TestConfigs.kms(kmsName).generateCalls(), "one KMS call per DEK");
      for (Sent s : sent) {
        assertEquals(s.value, p.deserializer.deserialize("t", s.headers, s.wire));
      }
    }
  }

  @Test
  void rotatesByBytes() {
    configs.put("envelope.dek.max.bytes", 100L);
    try (Pair p = new Pair(configs, false)) {
      String forty = "x".repeat(40);
      List<Sent> sent = new ArrayList<>();
      for (int i = 0; i < 9; i++) {
        sent.add(send(p, forty));
      }
      // 40+40+40 crosses 100 on the third record, which is the last under that key
      assertEquals(dekId(sent.get(0)), dekId(sent.get(2)));
      assertTrue(!dekId(sent.get(2)).equals(dekId(sent.get(3))));
      assertEquals(dekId(sent.get(3)), dekId(sent.get(5)));
      assertEquals(3, new LinkedHashSet<>(sent.stream().map(RotationTest::dekId).toList()).size());
      // a record larger than the whole limit still goes out, alone under a fresh key
      Sent huge = send(p, "y".repeat(500));
      assertEquals("y".repeat(500), p.deserializer.deserialize("t", huge.headers, huge.wire));
      for (Sent s : sent) {
        assertEquals(s.value, p.deserializer.deserialize("t", s.headers, s.wire));
      }
    }
  }

  @Test
  void rotatesByAgeWithTheNextKeyPreparedInAdvance() throws Exception {
    configs.put("envelope.dek.max.age.ms", 60_000L);
    try (Pair p = pairWithTicker()) {
      Sent first = send(p, "a");
      assertEquals(1, TestConfigs.kms(kmsName).generateCalls());

      nanos.advance(TimeUnit.SECONDS.toNanos(50)); // 83% of max age: no refresh yet
      Sent second = send(p, "b");
      assertEquals(dekId(first), dekId(second));
      assertEquals(1, TestConfigs.kms(kmsName).generateCalls());

      nanos.advance(TimeUnit.SECONDS.toNanos(
          5)); // 91%: the next key is requested in the background
      Sent third = send(p, "c");
      assertEquals(dekId(first), dekId(third), "still the current key");
      awaitGenerateCalls(2);
      assertEquals(2, TestConfigs.kms(kmsName).generateCalls());

      // The KMS goes down; the prepared key takes over at expiry without a KMS call.
      TestConfigs.kms(kmsName).failWith(io.kafkaenvelope.kms.KmsException.Reason.UNAVAILABLE);
      nanos.advance(TimeUnit.SECONDS.toNanos(6)); // 101%
      Sent fourth = send(p, "d");
      assertTrue(!dekId(first).equals(dekId(fourth)));
      TestConfigs.kms(kmsName).heal();

      for (Sent s : List.of(first, second, third, fourth)) {
        assertEquals(s.value, p.deserializer.deserialize("t", s.headers, s.wire));
      }
    }
  }

  @Test
  void countRefreshIsPreparedInTheBackgroundSoSendsDoNotWaitForTheKms() throws Exception {
    configs.put("envelope.dek.max.records", 100L);
    try (Pair p = new Pair(configs, false)) {
      send(p, "warm");
      InMemoryKms kms = TestConfigs.kms(kmsName);
      for (int i = 1; i < 95; i++) {
        send(p, "r" + i);
      }
      awaitGenerateCalls(2); // requested at 90 records, in the background
      // From now on the KMS answers nothing within the send's KMS timeout: a send that needed
      // the KMS would fail (KMS_UNAVAILABLE). Every send succeeding shows the key fetched ahead
      // took over, whatever the machine's speed.
      kms.stall(Duration.ofHours(1));
      try {
        for (int i = 95; i < 150; i++) {
          send(p, "r" + i);
        }
      } finally {
        kms.heal();
      }
      assertEquals(2, kms.generateCalls(), "no further KMS call for records 95 to 149");
    }
  }

  @Test
  void kekRotationInTheKmsReachesNewDeksAndOldRecordsDecrypt() {
    configs.put("envelope.dek.max.records", 5L);
    try (Pair p = new Pair(configs, false)) {
      Sent v1 = send(p, "under v1");
      TestConfigs.kms(kmsName).rotateKek("kek-1");
      for (int i = 0; i < 5; i++) {
        send(p, "fill");
      }
      Sent v2 = send(p, "under v2");
      assertEquals("v1", EnvelopeHeader.parse(
          v1.headers.lastHeader(Role.VALUE.headerName()).value()).kekVersion());
      assertEquals("v2", EnvelopeHeader.parse(
          v2.headers.lastHeader(Role.VALUE.headerName()).value()).kekVersion());
      assertEquals("under v1", p.deserializer.deserialize("t", v1.headers, v1.wire));
      assertEquals("under v2", p.deserializer.deserialize("t", v2.headers, v2.wire));
    }
  }

  @Test
  void perTopicKekTemplateGivesEachTopicItsOwnKek() {
    configs.remove("envelope.kek.id");
    configs.put("envelope.kek.id.template", "kek-${topic}");
    try (Pair p = new Pair(configs, false)) {
      RecordHeaders ha = new RecordHeaders();
      RecordHeaders hb = new RecordHeaders();
      byte[] a = p.serializer.serialize("orders", ha, "A");
      byte[] b = p.serializer.serialize("payments", hb, "B");
      assertEquals("kek-orders",
          EnvelopeHeader.parse(ha.lastHeader(Role.VALUE.headerName()).value()).kekId());
      assertEquals("kek-payments",
          EnvelopeHeader.parse(hb.lastHeader(Role.VALUE.headerName()).value()).kekId());
      assertEquals("A", p.deserializer.deserialize("orders", ha, a));
      assertEquals("B", p.deserializer.deserialize("payments", hb, b));
      assertEquals(2, TestConfigs.kms(kmsName).generateCalls());
    }
  }
}
