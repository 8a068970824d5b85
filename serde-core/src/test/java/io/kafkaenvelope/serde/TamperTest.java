package io.kafkaenvelope.serde;

import static io.kafkaenvelope.testing.TestConfigs.MARKER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.kafkaenvelope.serde.EnvelopeException.Reason;
import io.kafkaenvelope.testing.Pair;
import io.kafkaenvelope.testing.TestConfigs;
import io.kafkaenvelope.internal.wire.Role;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

/** Every way of changing an encrypted record must be refused, with a reason and no plaintext. */
class TamperTest {

  private final Map<String, Object> configs = TestConfigs.base(TestConfigs.newKmsName());

  private static Headers headersWith(String name, byte[] value) {
    RecordHeaders h = new RecordHeaders();
    h.add(name, value);
    return h;
  }

  @Test
  void everyBitFlipOfTheValueIsRejected() {
    try (Pair p = new Pair(configs, false)) {
      RecordHeaders headers = new RecordHeaders();
      byte[] wire = p.serializer.serialize("t", headers, MARKER);
      byte[] header = headers.lastHeader(Role.VALUE.headerName()).value();
      int rejected = 0;
      for (int bit = 0; bit < wire.length * 8; bit++) {
        byte[] copy = wire.clone();
        copy[bit / 8] ^= (byte) (1 << (bit % 8));
        expectRejected(p, "t", headersWith(Role.VALUE.headerName(), header), copy,
            EnumSet.of(Reason.TAMPERED));
        rejected++;
      }
      assertEquals(wire.length * 8, rejected);
      // truncations too
      for (int len = 0; len < wire.length; len++) {
        expectRejected(p, "t", headersWith(Role.VALUE.headerName(), header),
            java.util.Arrays.copyOf(wire, len), EnumSet.of(Reason.TAMPERED));
      }
      // and the untouched record still decrypts after all that
      assertEquals(MARKER, p.deserializer.deserialize("t", headers, wire));
    }
  }

  @Test
  void everyBitFlipOfTheEnvelopeHeaderIsRejected() {
    try (Pair p = new Pair(configs, false)) {
      RecordHeaders headers = new RecordHeaders();
      byte[] wire = p.serializer.serialize("t", headers, MARKER);
      byte[] header = headers.lastHeader(Role.VALUE.headerName()).value();
      Set<Reason> allowed = EnumSet.of(Reason.TAMPERED, Reason.MALFORMED,
          Reason.UNSUPPORTED_VERSION, Reason.TOPIC_MISMATCH, Reason.UNKNOWN_KEY,
          Reason.KEK_NOT_ALLOWED, Reason.UNWRAP_LIMITED);
      for (int bit = 0; bit < header.length * 8; bit++) {
        byte[] copy = header.clone();
        copy[bit / 8] ^= (byte) (1 << (bit % 8));
        expectRejected(p, "t", headersWith(Role.VALUE.headerName(), copy), wire, allowed);
      }
      for (int len = 0; len < header.length; len++) {
        expectRejected(p, "t", headersWith(Role.VALUE.headerName(),
            java.util.Arrays.copyOf(header, len)), wire, allowed);
      }
      byte[] longer = java.util.Arrays.copyOf(header, header.length + 1);
      expectRejected(p, "t", headersWith(Role.VALUE.headerName(), longer), wire,
          EnumSet.of(Reason.MALFORMED));
    }
  }

  @Test
  void everyBitFlipOfAnInlineFrameIsRejected() {
    try (Pair p = new Pair(configs, false)) {
      byte[] wire = p.serializer.serialize("t", MARKER);
      Set<Reason> allowed = EnumSet.of(Reason.TAMPERED, Reason.MALFORMED,
          Reason.UNSUPPORTED_VERSION, Reason.TOPIC_MISMATCH, Reason.UNKNOWN_KEY,
          Reason.PLAINTEXT_REJECTED, Reason.KEK_NOT_ALLOWED, Reason.UNWRAP_LIMITED);
      for (int bit = 0; bit < wire.length * 8; bit++) {
        byte[] copy = wire.clone();
        copy[bit / 8] ^= (byte) (1 << (bit % 8));
        expectRejected(p, "t", null, copy, allowed);
      }
    }
  }

  @Test
  void headerFromARecordUnderAnotherDekIsRejected() {
    try (Pair a = new Pair(configs, false);
        Pair b = new Pair(TestConfigs.base(TestConfigs.newKmsName()), false)) {
      RecordHeaders ha = new RecordHeaders();
      byte[] wa = a.serializer.serialize("t", ha, MARKER + "a");
      RecordHeaders hb = new RecordHeaders();
      b.serializer.serialize("t", hb, MARKER + "b");
      // same KMS, different producer instance: a different DEK
      try (Pair c = new Pair(configs, false)) {
        RecordHeaders hc = new RecordHeaders();
        c.serializer.serialize("t", hc, "c");
        expectRejected(a, "t", hc, wa, EnumSet.of(Reason.TAMPERED));
      }
      // another KMS's envelope: its wrapped key does not unwrap here
      expectRejected(a, "t", hb, wa, EnumSet.of(Reason.TAMPERED, Reason.UNKNOWN_KEY));
    }
  }

  @Test
  void keyEnvelopeCannotStandInForTheValueEnvelope() {
    try (Pair keys = new Pair(configs, true); Pair values = new Pair(configs, false)) {
      RecordHeaders h = new RecordHeaders();
      byte[] k = keys.serializer.serialize("t", h, MARKER);
      byte[] keyHeader = h.lastHeader(Role.KEY.headerName()).value();
      EnvelopeException e = expectRejected(values, "t",
          headersWith(Role.VALUE.headerName(), keyHeader), k, EnumSet.of(Reason.TAMPERED));
      assertTrue(e.getMessage().contains("key"), e.getMessage());
    }
  }

  @Test
  void crossTopicReplayIsRejectedButAnAllowedMirrorDecrypts() {
    try (Pair p = new Pair(configs, false)) {
      RecordHeaders h = new RecordHeaders();
      byte[] wire = p.serializer.serialize("orders", h, MARKER);
      EnvelopeException e = expectRejected(p, "payments", h, wire,
          EnumSet.of(Reason.TOPIC_MISMATCH));
      assertTrue(e.getMessage().contains("'orders'"), e.getMessage());
      expectRejected(p, "source.orders", h, wire, EnumSet.of(Reason.TOPIC_MISMATCH));
    }
    configs.put("envelope.provenance.mirror.source.aliases", "source,dc2");
    try (Pair p = new Pair(configs, false)) {
      RecordHeaders h = new RecordHeaders();
      byte[] wire = p.serializer.serialize("orders", h, MARKER);
      assertEquals(MARKER, p.deserializer.deserialize("source.orders", h, wire));
      assertEquals(MARKER, p.deserializer.deserialize("dc2.source.orders", h, wire));
      expectRejected(p, "other.orders", h, wire, EnumSet.of(Reason.TOPIC_MISMATCH));
      expectRejected(p, "source.payments", h, wire, EnumSet.of(Reason.TOPIC_MISMATCH));
      // a ciphertext from the mirror cannot be replayed back into a differently named topic
      expectRejected(p, "source.orders2", h, wire, EnumSet.of(Reason.TOPIC_MISMATCH));
    }
  }

  /**
   * Issue 12, defect 3: with aliases {@code us,us.east} a record produced to T and read from
   * {@code us.east.T} was refused, because the check stripped the first matching alias and
   * stopped. Every alias is tried, in any order, and in chains.
   */
  @Test
  void mirrorAliasesThatArePrefixesOfEachOtherWorkInEitherOrder() {
    for (String aliases : new String[] {"us,us.east", "us.east,us"}) {
      configs.put("envelope.provenance.mirror.source.aliases", aliases);
      try (Pair p = new Pair(configs, false)) {
        RecordHeaders h = new RecordHeaders();
        byte[] wire = p.serializer.serialize("orders", h, MARKER);
        assertEquals(MARKER, p.deserializer.deserialize("us.east.orders", h, wire), aliases);
        assertEquals(MARKER, p.deserializer.deserialize("us.orders", h, wire), aliases);
        assertEquals(MARKER, p.deserializer.deserialize("us.us.east.orders", h, wire), aliases);
        assertEquals(MARKER, p.deserializer.deserialize("us.east.us.orders", h, wire), aliases);
        expectRejected(p, "us.west.orders", h, wire, EnumSet.of(Reason.TOPIC_MISMATCH));
        expectRejected(p, "east.orders", h, wire, EnumSet.of(Reason.TOPIC_MISMATCH));
        expectRejected(p, "us.eastorders", h, wire, EnumSet.of(Reason.TOPIC_MISMATCH));
      }
    }
  }

  @Test
  void mirrorChainsAreBoundedAtEightHops() {
    configs.put("envelope.provenance.mirror.source.aliases", "a");
    try (Pair p = new Pair(configs, false)) {
      RecordHeaders h = new RecordHeaders();
      byte[] wire = p.serializer.serialize("t", h, MARKER);
      assertEquals(MARKER, p.deserializer.deserialize("a.".repeat(8) + "t", h, wire));
      expectRejected(p, "a.".repeat(9) + "t", h, wire, EnumSet.of(Reason.TOPIC_MISMATCH));
    }
  }

  @Test
  void emptyMirrorAliasOrSeparatorIsAConfigError() {
    Map<String, Object> bad = new java.util.HashMap<>(configs);
    bad.put("envelope.provenance.mirror.source.aliases", "us,,east");
    org.apache.kafka.common.config.ConfigException e = assertThrows(
        org.apache.kafka.common.config.ConfigException.class,
        () -> TestConfigs.bytesSerializer(bad, false));
    assertTrue(e.getMessage().contains("envelope.provenance.mirror.source.aliases"),
        e.getMessage());
    Map<String, Object> badSep = new java.util.HashMap<>(configs);
    badSep.put("envelope.provenance.mirror.separator", "");
    e = assertThrows(org.apache.kafka.common.config.ConfigException.class,
        () -> TestConfigs.bytesSerializer(badSep, false));
    assertTrue(e.getMessage().contains("envelope.provenance.mirror.separator"), e.getMessage());
  }

  @Test
  void recordWithoutEnvelopeIsRejectedByDefaultAndAllowedWhenMigrating() {
    try (Pair p = new Pair(configs, false)) {
      byte[] plain = MARKER.getBytes(java.nio.charset.StandardCharsets.UTF_8);
      EnvelopeException e = expectRejected(p, "t", new RecordHeaders(), plain,
          EnumSet.of(Reason.PLAINTEXT_REJECTED));
      assertTrue(e.getMessage().contains("envelope.plaintext.policy"));
      expectRejected(p, "t", null, plain, EnumSet.of(Reason.PLAINTEXT_REJECTED));
    }
    configs.put("envelope.plaintext.policy", "allow");
    try (Pair p = new Pair(configs, false)) {
      byte[] plain = "legacy".getBytes(java.nio.charset.StandardCharsets.UTF_8);
      assertEquals("legacy", p.deserializer.deserialize("t", new RecordHeaders(), plain));
      // allow does not weaken encrypted records: tampering is still refused
      RecordHeaders h = new RecordHeaders();
      byte[] wire = p.serializer.serialize("t", h, MARKER);
      wire[wire.length - 1] ^= 1;
      expectRejected(p, "t", h, wire, EnumSet.of(Reason.TAMPERED));
    }
  }

  @Test
  void unknownFormatVersionIsNamed() {
    try (Pair p = new Pair(configs, false)) {
      RecordHeaders h = new RecordHeaders();
      byte[] wire = p.serializer.serialize("t", h, MARKER);
      byte[] header = h.lastHeader(Role.VALUE.headerName()).value().clone();
      header[0] = 9;
      EnvelopeException e = expectRejected(p, "t", headersWith(Role.VALUE.headerName(), header),
          wire, EnumSet.of(Reason.UNSUPPORTED_VERSION));
      assertTrue(e.getMessage().contains("version 9"), e.getMessage());
    }
  }

  private static EnvelopeException expectRejected(Pair p, String topic, Headers headers,
      byte[] wire, Set<Reason> allowed) {
    try {
      String out = headers == null ? p.deserializer.deserialize(topic, wire)
          : p.deserializer.deserialize(topic, headers, wire);
      fail("tampered record was accepted" + (out != null && out.contains(MARKER)
          ? " (with plaintext!)" : ""));
      return null;
    } catch (EnvelopeException e) {
      assertTrue(allowed.contains(e.reason()), "unexpected reason " + e.reason() + ": "
          + e.getMessage());
      assertFalse(e.getMessage().contains(MARKER), "plaintext in error message");
      assertEquals(topic, e.topic());
      assertTrue(e instanceof SerializationException);
      return e;
    }
  }

  @Test
  void errorsCarryKekAndDekIds() {
    try (Pair p = new Pair(configs, false)) {
      RecordHeaders h = new RecordHeaders();
      byte[] wire = p.serializer.serialize("t", h, MARKER);
      wire[20] ^= 1;
      EnvelopeException e = assertThrows(EnvelopeException.class,
          () -> p.deserializer.deserialize("t", h, wire));
      assertEquals("kek-1", e.kekId());
      assertEquals(32, e.dekId().length());
      assertTrue(e.getMessage().contains("kek-1") && e.getMessage().contains(e.dekId()),
          e.getMessage());
      assertNull(e.getCause());
    }
  }
}
