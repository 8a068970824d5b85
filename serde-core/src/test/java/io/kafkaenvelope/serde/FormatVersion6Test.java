package io.kafkaenvelope.serde;

import static io.kafkaenvelope.testing.TestConfigs.MARKER;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.kafkaenvelope.config.EnvelopeConfig;
import io.kafkaenvelope.internal.wire.EnvelopeHeader;
import io.kafkaenvelope.internal.wire.InlineFrame;
import io.kafkaenvelope.internal.wire.Role;
import io.kafkaenvelope.internal.wire.WireFormat;
import io.kafkaenvelope.kms.memory.InMemoryKms;
import io.kafkaenvelope.serde.EnvelopeException.Reason;
import io.kafkaenvelope.testing.Pair;
import io.kafkaenvelope.testing.TestConfigs;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

/**
 * {@code envelope.format.version=6}: the envelope header bound through a per-header record key
 * instead of the associated data. Readers need no setting; every change to the header or the
 * value is refused as for versions 1 to 3; the serializer's default still writes version 1.
 */
class FormatVersion6Test {

  private final String kmsName = TestConfigs.newKmsName();
  private final Map<String, Object> v6 = with(TestConfigs.base(kmsName),
      EnvelopeConfig.FORMAT_VERSION, 6);

  private static Map<String, Object> with(Map<String, Object> m, String k, Object v) {
    Map<String, Object> c = new HashMap<>(m);
    c.put(k, v);
    return c;
  }

  private static byte[] header(Headers h) {
    return h.lastHeader(Role.VALUE.headerName()).value();
  }

  private static Headers headersWith(byte[] value) {
    RecordHeaders h = new RecordHeaders();
    h.add(Role.VALUE.headerName(), value);
    return h;
  }

  @Test
  void writesVersion6WhenAskedAndVersion1ByDefault() {
    try (Pair p = new Pair(v6, false); Pair legacy = new Pair(TestConfigs.base(kmsName), false)) {
      RecordHeaders h = new RecordHeaders();
      byte[] wire = p.serializer.serialize("orders", h, MARKER);
      byte[] hdr = header(h);
      assertEquals(WireFormat.VERSION_6, hdr[0]);
      assertEquals(0, hdr[3], "codec byte: none");
      assertEquals(0, hdr[4] | hdr[5], "clear prefix length 0");
      EnvelopeHeader parsed = EnvelopeHeader.parse(hdr);
      assertTrue(parsed.bindsThroughKey());
      assertEquals("orders", parsed.topic());
      // nonce, ciphertext and tag: the same bytes on the wire as version 1
      assertEquals(12 + MARKER.length() + 16, wire.length);
      RecordHeaders h1 = new RecordHeaders();
      legacy.serializer.serialize("orders", h1, MARKER);
      assertEquals(WireFormat.VERSION_1, header(h1)[0]);
      assertEquals(header(h1).length + 3, hdr.length, "codec byte and prefix length added");
    }
  }

  @Test
  void aDefaultReaderReadsVersion6AndVersion1RecordsMixed() {
    try (Pair p6 = new Pair(v6, false); Pair p1 = new Pair(TestConfigs.base(kmsName), false);
        DecryptingDeserializer<String> reader = new DecryptingDeserializer<>()) {
      reader.configure(TestConfigs.base(kmsName), false);
      for (int i = 0; i < 3; i++) {
        for (Pair p : new Pair[] {p6, p1}) {
          for (String topic : new String[] {"orders", "payments"}) {
            RecordHeaders h = new RecordHeaders();
            byte[] wire = p.serializer.serialize(topic, h, MARKER + i);
            assertEquals(MARKER + i, reader.deserialize(topic, h, wire));
            assertEquals(MARKER + i, reader.deserialize(topic, p.serializer.serialize(topic,
                MARKER + i)), "inline");
          }
        }
      }
    }
  }

  @Test
  void clearPrefixAndCompressionRoundTripInVersion6() {
    Map<String, Object> c = with(with(v6, EnvelopeConfig.CLEAR_PREFIX, "schema-id-4"),
        EnvelopeConfig.COMPRESSION_TYPE, "gzip");
    c.put("envelope.inner.serializer",
        "org.apache.kafka.common.serialization.ByteArraySerializer");
    c.put("envelope.inner.deserializer",
        "org.apache.kafka.common.serialization.ByteArrayDeserializer");
    byte[] framed = new byte[5 + 400];
    framed[4] = 7; // magic 0, schema id 7
    Arrays.fill(framed, 5, framed.length, (byte) 'a'); // compresses
    try (EncryptingSerializer<byte[]> s = new EncryptingSerializer<>();
        DecryptingDeserializer<byte[]> d = new DecryptingDeserializer<>()) {
      s.configure(c, false);
      d.configure(c, false);
      RecordHeaders h = new RecordHeaders();
      byte[] wire = s.serialize("orders", h, framed);
      byte[] hdr = header(h);
      assertEquals(WireFormat.VERSION_6, hdr[0]);
      assertEquals(1, hdr[3], "gzip");
      assertEquals(5, ((hdr[4] & 0xFF) << 8) | (hdr[5] & 0xFF));
      assertTrue(wire.length < framed.length, "compressed");
      assertArrayEquals(Arrays.copyOf(framed, 5), Arrays.copyOf(wire, 5), "prefix in the clear");
      assertArrayEquals(framed, d.deserialize("orders", h, wire));
      // the clear prefix is still authenticated (the associated data of version 6)
      byte[] otherSchema = wire.clone();
      otherSchema[4] = 8;
      EnvelopeException e = assertThrows(EnvelopeException.class,
          () -> d.deserialize("orders", h, otherSchema));
      assertEquals(Reason.TAMPERED, e.reason());
    }
  }

  @Test
  void everyBitFlipAndTruncationOfAVersion6HeaderOrValueIsRejected() {
    try (Pair p = new Pair(v6, false)) {
      RecordHeaders h = new RecordHeaders();
      byte[] wire = p.serializer.serialize("t", h, MARKER);
      byte[] hdr = header(h);
      Set<Reason> allowed = EnumSet.of(Reason.TAMPERED, Reason.MALFORMED,
          Reason.UNSUPPORTED_VERSION, Reason.TOPIC_MISMATCH, Reason.UNKNOWN_KEY,
          Reason.KEK_NOT_ALLOWED, Reason.UNWRAP_LIMITED);
      for (int bit = 0; bit < hdr.length * 8; bit++) {
        byte[] copy = hdr.clone();
        copy[bit / 8] ^= (byte) (1 << (bit % 8));
        expectRejected(p, headersWith(copy), wire, allowed);
      }
      for (int len = 0; len < hdr.length; len++) {
        expectRejected(p, headersWith(Arrays.copyOf(hdr, len)), wire, allowed);
      }
      for (int bit = 0; bit < wire.length * 8; bit++) {
        byte[] copy = wire.clone();
        copy[bit / 8] ^= (byte) (1 << (bit % 8));
        expectRejected(p, headersWith(hdr), copy, EnumSet.of(Reason.TAMPERED));
      }
      assertEquals(MARKER, p.deserializer.deserialize("t", h, wire));
    }
  }

  @Test
  void aFieldChangedConsistentlyIsCaughtByTheRecordKey() {
    // The DEK id is read by no check but authentication: only the key binds it in version 6.
    try (Pair p = new Pair(v6, false)) {
      RecordHeaders h = new RecordHeaders();
      byte[] wire = p.serializer.serialize("t", h, MARKER);
      byte[] hdr = header(h).clone();
      hdr[6] ^= 1; // first DEK id byte (version, algorithm, role, codec, u16 prefix length)
      EnvelopeException e = expectRejected(p, headersWith(hdr), wire,
          EnumSet.of(Reason.TAMPERED));
      assertTrue(e.getMessage().contains("authentication failed"), e.getMessage());
      // a version 6 header relabelled as version 3 (same layout, gzip) is refused too
      byte[] v3 = header(h).clone();
      v3[0] = WireFormat.VERSION_3;
      v3[3] = 1;
      expectRejected(p, headersWith(v3), wire, EnumSet.of(Reason.TAMPERED, Reason.MALFORMED));
    }
  }

  @Test
  void aVersion6HeaderCannotStandInForAnotherTopicsOrRolesRecords() {
    try (Pair keys = new Pair(v6, true); Pair values = new Pair(v6, false)) {
      RecordHeaders hk = new RecordHeaders();
      byte[] k = keys.serializer.serialize("t", hk, MARKER);
      byte[] keyHeader = hk.lastHeader(Role.KEY.headerName()).value();
      expectRejected(values, headersWith(keyHeader), k, EnumSet.of(Reason.TAMPERED));
      RecordHeaders h = new RecordHeaders();
      byte[] wire = values.serializer.serialize("orders", h, MARKER);
      EnvelopeException e = assertThrows(EnvelopeException.class,
          () -> values.deserializer.deserialize("payments", h, wire));
      assertEquals(Reason.TOPIC_MISMATCH, e.reason());
    }
  }

  @Test
  void inlineFramesCarryVersion6WithoutAClearPrefix() {
    try (Pair p = new Pair(v6, false)) {
      byte[] wire = p.serializer.serialize("t", MARKER);
      assertTrue(InlineFrame.isInline(wire));
      assertEquals(WireFormat.VERSION_6, InlineFrame.parseHeader(wire).encodedUnsafe()[0]);
      assertEquals(MARKER, p.deserializer.deserialize("t", wire));
      byte[] flipped = wire.clone();
      flipped[InlineFrame.HEADER_OFFSET + 8] ^= 1; // inside the DEK id
      assertThrows(EnvelopeException.class, () -> p.deserializer.deserialize("t", flipped));
    }
  }

  @Test
  void oneUnwrapPerDekWhateverTheTopicsInterleaved() {
    InMemoryKms kms = TestConfigs.kms(kmsName);
    try (Pair p = new Pair(v6, false)) {
      RecordHeaders a = new RecordHeaders();
      byte[] wa = p.serializer.serialize("a", a, MARKER);
      RecordHeaders b = new RecordHeaders();
      byte[] wb = p.serializer.serialize("b", b, MARKER);
      kms.resetCounters();
      for (int i = 0; i < 50; i++) {
        assertEquals(MARKER, p.deserializer.deserialize("a", a, wa));
        assertEquals(MARKER, p.deserializer.deserialize("b", b, wb));
      }
      assertEquals(1, kms.unwrapCalls());
    }
  }

  @Test
  void anUnknownFormatVersionIsRefusedNamingTheSetting() {
    for (Object bad : new Object[] {5, 2, 0, "seven"}) {
      ConfigException e = assertThrows(ConfigException.class,
          () -> new Pair(with(v6, EnvelopeConfig.FORMAT_VERSION, bad), false).close());
      assertTrue(e.getMessage().contains(EnvelopeConfig.FORMAT_VERSION), e.getMessage());
    }
  }

  @Test
  void aVersionThisReaderDoesNotKnowIsRefusedAsUnsupported() {
    // What readers from before version 6 do with version 6: the same check, for version 7.
    try (Pair p = new Pair(v6, false)) {
      RecordHeaders h = new RecordHeaders();
      byte[] wire = p.serializer.serialize("t", h, MARKER);
      byte[] hdr = header(h).clone();
      hdr[0] = 7;
      EnvelopeException e = expectRejected(p, headersWith(hdr), wire,
          EnumSet.of(Reason.UNSUPPORTED_VERSION));
      assertTrue(e.getMessage().contains("version 7"), e.getMessage());
    }
  }

  private static EnvelopeException expectRejected(Pair p, Headers headers, byte[] wire,
      Set<Reason> allowed) {
    try {
      String out = p.deserializer.deserialize("t", headers, wire);
      fail("changed record was accepted" + (out != null && out.contains(MARKER)
          ? " (with plaintext!)" : ""));
      return null;
    } catch (EnvelopeException e) {
      assertTrue(allowed.contains(e.reason()), "unexpected reason " + e.reason() + ": "
          + e.getMessage());
      assertFalse(e.getMessage().contains(MARKER), "plaintext in error message");
      assertFalse(new String(wire, StandardCharsets.ISO_8859_1).isEmpty());
      return e;
    }
  }
}
