package io.kafkaenvelope.serde;

import static io.kafkaenvelope.testing.TestConfigs.MARKER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkaenvelope.kms.KmsException;
import io.kafkaenvelope.kms.memory.InMemoryKms;
import io.kafkaenvelope.serde.EnvelopeException.Reason;
import io.kafkaenvelope.testing.Pair;
import io.kafkaenvelope.testing.TestConfigs;
import io.kafkaenvelope.internal.wire.Role;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class KmsFailureTest {

  private final String kmsName = TestConfigs.newKmsName();
  private final Map<String, Object> configs = TestConfigs.base(kmsName);
  private final InMemoryKms kms = InMemoryKms.named(kmsName);

  @AfterEach
  void heal() {
    kms.heal();
  }

  @Test
  void warmProducerAndConsumerRideOutAnOutage() {
    try (Pair p = new Pair(configs, false)) {
      RecordHeaders h0 = new RecordHeaders();
      byte[] w0 = p.serializer.serialize("t", h0, "before");
      assertEquals("before", p.deserializer.deserialize("t", h0, w0));

      kms.failWith(KmsException.Reason.UNAVAILABLE);
      for (int i = 0; i < 100; i++) {
        RecordHeaders h = new RecordHeaders();
        byte[] w = p.serializer.serialize("t", h, "during " + i);
        assertEquals("during " + i, p.deserializer.deserialize("t", h, w));
      }
      assertEquals(1, kms.generateCalls());
      assertEquals(1, kms.unwrapCalls());
    }
  }

  @Test
  void coldProducerFailsClosedWithAClearError() {
    kms.failWith(KmsException.Reason.UNAVAILABLE);
    // the send's own failure: without the check at configure() (KmsCheckTest covers that one)
    configs.put("envelope.kms.check.on.configure", false);
    try (Pair p = new Pair(configs, false)) {
      RecordHeaders h = new RecordHeaders();
      EnvelopeException e = assertThrows(EnvelopeException.class,
          () -> p.serializer.serialize("orders", h, MARKER));
      assertEquals(Reason.KMS_UNAVAILABLE, e.reason());
      assertTrue(e.getMessage().contains("orders") && e.getMessage().contains("kek-1"),
          e.getMessage());
      assertFalse(e.getMessage().contains(MARKER));
      assertEquals(0, h.toArray().length, "nothing written to the record");

      // the failure is remembered briefly: a burst of sends does not hammer the KMS
      int calls = kms.generateCalls();
      for (int i = 0; i < 50; i++) {
        assertThrows(EnvelopeException.class, () -> p.serializer.serialize("orders", h, MARKER));
      }
      assertTrue(kms.generateCalls() - calls <= 1, "KMS hammered: " + kms.generateCalls());

      // and once the KMS is back (and the backoff passed) sends work again
      kms.heal();
      assertEventuallySerializes(p);
    }
  }

  private static void assertEventuallySerializes(Pair p) {
    long deadline = System.currentTimeMillis() + 5000;
    while (true) {
      try {
        RecordHeaders h = new RecordHeaders();
        byte[] w = p.serializer.serialize("orders", h, "after");
        assertEquals("after", p.deserializer.deserialize("orders", h, w));
        return;
      } catch (EnvelopeException e) {
        if (System.currentTimeMillis() > deadline) {
          throw e;
        }
      }
    }
  }

  @Test
  void coldConsumerFailsWithTheReasonAndRemembersItBriefly() {
    RecordHeaders h = new RecordHeaders();
    byte[] w;
    try (Pair p = new Pair(configs, false)) {
      w = p.serializer.serialize("t", h, MARKER);
    }
    kms.failUnwrapWith(KmsException.Reason.ACCESS_DENIED);
    Map<String, Object> consumerConfigs = TestConfigs.base(kmsName);
    consumerConfigs.put("envelope.kms.failure.backoff.ms", 60_000L); // a scope of its own
    try (Pair c = new Pair(consumerConfigs, false)) {
      EnvelopeException e = assertThrows(EnvelopeException.class,
          () -> c.deserializer.deserialize("t", h, w));
      assertEquals(Reason.ACCESS_DENIED, e.reason());
      assertTrue(e.getMessage().contains("kek-1"), e.getMessage());
      assertFalse(e.getMessage().contains(MARKER));
      for (int i = 0; i < 20; i++) {
        assertThrows(EnvelopeException.class, () -> c.deserializer.deserialize("t", h, w));
      }
      assertEquals(1, kms.unwrapCalls(), "failure remembered, KMS not hammered");
    }
  }

  /**
   * The KMS never answers (an hour): only the send's own timeout can end the call, so reaching
   * KMS_UNAVAILABLE at all shows it; {@code @Timeout} fails the test if the send blocks instead.
   */
  @Test
  @org.junit.jupiter.api.Timeout(60)
  void slowKmsTimesOutTheSendInsteadOfBlockingForever() {
    kms.stall(Duration.ofHours(1));
    configs.put("envelope.kms.timeout.ms", 300L);
    configs.put("envelope.kms.check.on.configure", false);
    try (Pair p = new Pair(configs, false)) {
      EnvelopeException e = assertThrows(EnvelopeException.class,
          () -> p.serializer.serialize("t", new RecordHeaders(), "x"));
      assertEquals(Reason.KMS_UNAVAILABLE, e.reason());
      assertTrue(e.getMessage().contains("300 ms"), e.getMessage());
    } finally {
      kms.heal();
    }
  }

  @Test
  void exhaustedKeyDuringAnOutageFailsClosed() {
    configs.put("envelope.dek.max.records", 20L);
    try (Pair p = new Pair(configs, false)) {
      p.serializer.serialize("t", new RecordHeaders(), "warm");
      kms.failWith(KmsException.Reason.THROTTLED);
      int ok = 1;
      EnvelopeException failure = null;
      for (int i = 0; i < 40 && failure == null; i++) {
        try {
          p.serializer.serialize("t", new RecordHeaders(), MARKER);
          ok++;
        } catch (EnvelopeException e) {
          failure = e;
        }
      }
      assertEquals(20, ok, "the current key serves until its limit");
      assertEquals(Reason.KMS_UNAVAILABLE, failure.reason());
    }
  }

  @Test
  void unresolvedKekIsRejectedByDefault() {
    kms.strict().createKek("kek-orders");
    configs.remove("envelope.kek.id");
    configs.put("envelope.kek.id.template", "kek-${topic}");
    try (Pair p = new Pair(configs, false)) {
      RecordHeaders h = new RecordHeaders();
      byte[] w = p.serializer.serialize("orders", h, "ok");
      assertEquals("ok", p.deserializer.deserialize("orders", h, w));
      EnvelopeException e = assertThrows(EnvelopeException.class,
          () -> p.serializer.serialize("unknown-topic", new RecordHeaders(), MARKER));
      assertEquals(Reason.UNKNOWN_KEY, e.reason());
      assertTrue(e.getMessage().contains("kek-unknown-topic"), e.getMessage());
    }
  }

  @Test
  void unresolvedKekLeavesTheTopicInPlaintextOnlyWhenOptedIn() {
    kms.strict().createKek("kek-orders");
    configs.remove("envelope.kek.id");
    configs.put("envelope.kek.id.template", "kek-${topic}");
    configs.put("envelope.kek.unresolved.policy", "plaintext");
    try (Pair p = new Pair(configs, false)) {
      RecordHeaders h = new RecordHeaders();
      byte[] w = p.serializer.serialize("public-topic", h, "visible");
      assertEquals("visible", new String(w, java.nio.charset.StandardCharsets.UTF_8));
      assertEquals(0, h.toArray().length);
      // encrypted topics are unaffected
      RecordHeaders h2 = new RecordHeaders();
      p.serializer.serialize("orders", h2, MARKER);
      assertTrue(h2.lastHeader(Role.VALUE.headerName()) != null);
      // and the policy never covers an outage or a denial
      kms.failGenerateWith(KmsException.Reason.ACCESS_DENIED);
      try (Pair cold = new Pair(configs, false)) {
        EnvelopeException e = assertThrows(EnvelopeException.class,
            () -> cold.serializer.serialize("orders", new RecordHeaders(), MARKER));
        assertEquals(Reason.ACCESS_DENIED, e.reason());
      }
    }
  }
}
