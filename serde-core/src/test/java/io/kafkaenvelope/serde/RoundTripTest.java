package io.kafkaenvelope.serde;

import static io.kafkaenvelope.testing.TestConfigs.MARKER;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkaenvelope.testing.Pair;
import io.kafkaenvelope.testing.TestConfigs;
import io.kafkaenvelope.internal.wire.EnvelopeHeader;
import io.kafkaenvelope.internal.wire.InlineFrame;
import io.kafkaenvelope.internal.wire.Role;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.LongDeserializer;
import org.apache.kafka.common.serialization.LongSerializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.UUIDDeserializer;
import org.apache.kafka.common.serialization.UUIDSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RoundTripTest {

  private final String kmsName = TestConfigs.newKmsName();
  private final Map<String, Object> configs = TestConfigs.base(kmsName);

  @ParameterizedTest(name = "isKey={0}")
  @ValueSource(booleans = {false, true})
  void headerModeRoundTripAndCiphertextHidesPlaintext(boolean isKey) {
    try (Pair p = new Pair(configs, isKey)) {
      RecordHeaders headers = new RecordHeaders();
      String value = MARKER + " hello";
      byte[] wire = p.serializer.serialize("orders", headers, value);

      Role role = Role.of(isKey);
      assertNotNull(headers.lastHeader(role.headerName()), "envelope header present");
      assertNull(headers.lastHeader(Role.of(!isKey).headerName()), "only this role's header");
      assertFalse(new String(wire, StandardCharsets.ISO_8859_1).contains(MARKER));
      assertEquals(12 + value.getBytes(StandardCharsets.UTF_8).length + 16, wire.length);
      EnvelopeHeader h = EnvelopeHeader.parse(headers.lastHeader(role.headerName()).value());
      assertEquals("orders", h.topic());
      assertEquals("kek-1", h.kekId());
      assertEquals("v1", h.kekVersion());
      assertEquals(role, h.role());

      assertEquals(value, p.deserializer.deserialize("orders", headers, wire));
    }
  }

  @ParameterizedTest(name = "isKey={0}")
  @ValueSource(booleans = {false, true})
  void inlineModeRoundTrip(boolean isKey) {
    try (Pair p = new Pair(configs, isKey)) {
      byte[] wire = p.serializer.serialize("store-changelog", MARKER + " state");
      assertTrue(InlineFrame.isInline(wire));
      assertFalse(new String(wire, StandardCharsets.ISO_8859_1).contains(MARKER));
      assertEquals(MARKER + " state", p.deserializer.deserialize("store-changelog", wire));
      // an inline frame also reads where headers exist but carry no envelope
      assertEquals(MARKER + " state",
          p.deserializer.deserialize("store-changelog", new RecordHeaders(), wire));
    }
  }

  @Test
  void severalInnerSerdes() {
    roundTrip(new ByteArraySerializer(), new ByteArrayDeserializer(), new byte[] {0, 1, 2, (
        byte) 255});
    roundTrip(new ByteArraySerializer(), new ByteArrayDeserializer(), new byte[0]);
    roundTrip(new LongSerializer(), new LongDeserializer(), Long.MIN_VALUE);
    roundTrip(new UUIDSerializer(), new UUIDDeserializer(), UUID.randomUUID());
    byte[] big = new byte[3 * 1024 * 1024];
    new java.util.Random(1).nextBytes(big);
    roundTrip(new ByteArraySerializer(), new ByteArrayDeserializer(), big);
  }

  private <T> void roundTrip(Serializer<T> ser, Deserializer<T> de, T value) {
    EncryptingSerializer<T> s = new EncryptingSerializer<>(ser);
    DecryptingDeserializer<T> d = new DecryptingDeserializer<>(de);
    s.configure(configs, false);
    d.configure(configs, false);
    try {
      RecordHeaders headers = new RecordHeaders();
      byte[] wire = s.serialize("t", headers, value);
      T back = d.deserialize("t", headers, wire);
      if (value instanceof byte[]) {
        assertArrayEquals((byte[]) value, (byte[]) back);
      } else {
        assertEquals(value, back);
      }
      T inline = d.deserialize("t", s.serialize("t", value));
      if (value instanceof byte[]) {
        assertArrayEquals((byte[]) value, (byte[]) inline);
      } else {
        assertEquals(value, inline);
      }
    } finally {
      s.close();
      d.close();
    }
  }

  @Test
  void keyAndValueInOneRecordUseDistinctHeaders() {
    try (Pair keys = new Pair(configs, true); Pair values = new Pair(configs, false)) {
      RecordHeaders headers = new RecordHeaders();
      byte[] k = keys.serializer.serialize("t", headers, "key-" + MARKER);
      byte[] v = values.serializer.serialize("t", headers, "value-" + MARKER);
      assertEquals(2, headers.toArray().length);
      assertEquals("key-" + MARKER, keys.deserializer.deserialize("t", headers, k));
      assertEquals("value-" + MARKER, values.deserializer.deserialize("t", headers, v));
    }
  }

  @Test
  void keyOverridesApplyOnlyToKeys() {
    configs.put("envelope.key.kek.id", "kek-for-keys");
    try (Pair keys = new Pair(configs, true); Pair values = new Pair(configs, false)) {
      RecordHeaders headers = new RecordHeaders();
      keys.serializer.serialize("t", headers, "k");
      values.serializer.serialize("t", headers, "v");
      assertEquals("kek-for-keys",
          EnvelopeHeader.parse(headers.lastHeader(Role.KEY.headerName()).value()).kekId());
      assertEquals("kek-1",
          EnvelopeHeader.parse(headers.lastHeader(Role.VALUE.headerName()).value()).kekId());
    }
  }

  @Test
  void reserializingReplacesAForwardedEnvelopeHeader() {
    try (Pair p = new Pair(configs, false)) {
      RecordHeaders headers = new RecordHeaders();
      p.serializer.serialize("in", headers, "first");
      byte[] wire = p.serializer.serialize("out", headers, "second");
      assertEquals(1, headers.toArray().length);
      assertEquals("second", p.deserializer.deserialize("out", headers, wire));
    }
  }

  @Test
  void tombstonesStayNull() {
    try (Pair p = new Pair(configs, false)) {
      RecordHeaders headers = new RecordHeaders();
      assertNull(p.serializer.serialize("t", headers, null));
      assertEquals(0, headers.toArray().length, "no envelope for a tombstone");
      assertNull(p.serializer.serialize("t", null));
      assertNull(p.deserializer.deserialize("t", headers, (byte[]) null));
      assertNull(p.deserializer.deserialize("t", null));
    }
    // the one data key is configure()'s check (envelope.kms.check.on.configure), kept unused
    assertEquals(1, TestConfigs.kms(kmsName).generateCalls(), "tombstones need no key");
  }

  @Test
  void streamsSerdeByInstanceAndByClassName() {
    Serde<String> serde = new EnvelopeSerde<>(Serdes.String());
    serde.configure(configs, false);
    RecordHeaders headers = new RecordHeaders();
    byte[] wire = serde.serializer().serialize("t", headers, "streams " + MARKER);
    assertEquals("streams " + MARKER, serde.deserializer().deserialize("t", headers, wire));
    serde.close();

    configs.put("envelope.inner.serde", Serdes.StringSerde.class.getName());
    Serde<String> byName = new EnvelopeSerde<>();
    byName.configure(configs, false);
    assertEquals("inline", byName.deserializer().deserialize("t",
        byName.serializer().serialize("t", "inline")));
    byName.close();
  }

  @Test
  void configurationErrorsNameTheSetting() {
    Map<String, Object> noKms = TestConfigs.base(kmsName);
    noKms.remove("envelope.kms.type");
    assertMessage(noKms, "envelope.kms.type");

    Map<String, Object> unknownKms = TestConfigs.base(kmsName);
    unknownKms.put("envelope.kms.type", "nope");
    assertMessage(unknownKms, "available: [");

    Map<String, Object> noKek = TestConfigs.base(kmsName);
    noKek.remove("envelope.kek.id");
    assertMessage(noKek, "envelope.kek.id");

    Map<String, Object> both = TestConfigs.base(kmsName);
    both.put("envelope.kek.id.template", "kek-${topic}");
    assertMessage(both, "only one");

    Map<String, Object> badTemplate = TestConfigs.base(kmsName);
    badTemplate.remove("envelope.kek.id");
    badTemplate.put("envelope.kek.id.template", "kek-static");
    assertMessage(badTemplate, "${topic}");

    Map<String, Object> noInner = TestConfigs.base(kmsName);
    noInner.remove("envelope.inner.serializer");
    assertMessage(noInner, "envelope.inner.serializer");

    Map<String, Object> tooMany = TestConfigs.base(kmsName);
    tooMany.put("envelope.dek.max.records", 1L << 32);
    assertMessage(tooMany, "envelope.dek.max.records");
  }

  /**
   * Issue 12, defect 4: an inner class that exists but is of the wrong kind gave a bare
   * ClassCastException; it is a ConfigException naming the setting and the expected type.
   */
  @Test
  void anInnerClassOfTheWrongKindNamesTheSettingAndTheType() {
    Map<String, Object> c = TestConfigs.base(kmsName);
    c.put("envelope.inner.serializer", "java.lang.String");
    c.put("envelope.inner.deserializer", "java.lang.String");
    c.put("envelope.inner.serde", "java.lang.String");
    ConfigException e = assertThrows(ConfigException.class,
        () -> new EncryptingSerializer<String>().configure(c, false));
    assertTrue(e.getMessage().contains("envelope.inner.serializer")
        && e.getMessage().contains(Serializer.class.getName()), e.getMessage());
    e = assertThrows(ConfigException.class,
        () -> new DecryptingDeserializer<String>().configure(c, false));
    assertTrue(e.getMessage().contains("envelope.inner.deserializer")
        && e.getMessage().contains(Deserializer.class.getName()), e.getMessage());
    e = assertThrows(ConfigException.class, () -> new EnvelopeSerde<String>().configure(c, false));
    assertTrue(e.getMessage().contains("envelope.inner.serde")
        && e.getMessage().contains(Serde.class.getName()), e.getMessage());
    e = assertThrows(ConfigException.class, () -> new PlaintextKeyPartitioner().configure(c));
    assertTrue(e.getMessage().contains("envelope.inner.serializer")
        && e.getMessage().contains(Serializer.class.getName()), e.getMessage());
    // a serializer without a no-argument constructor is named too
    c.put("envelope.inner.serializer", NoDefaultConstructor.class.getName());
    e = assertThrows(ConfigException.class,
        () -> new EncryptingSerializer<String>().configure(c, false));
    assertTrue(e.getMessage().contains("no-argument constructor"), e.getMessage());
  }

  /** A serializer Kafka cannot instantiate by class name. */
  public static final class NoDefaultConstructor implements Serializer<String> {
    public NoDefaultConstructor(int unused) {}

    @Override
    public byte[] serialize(String topic, String data) {
      return null;
    }
  }

  /**
   * Issue 12, defect 2, without a broker: KafkaProducer makes headers read-only after serializing,
   * so a record sent again arrives with read-only headers that carry the first envelope header.
   */
  @ParameterizedTest
  @ValueSource(ints = {1, 10})
  void readOnlyHeadersOfARecordSentAgainStillEncrypt(long maxRecords) {
    configs.put("envelope.dek.max.records", maxRecords); // 1: the second send is under a new DEK
    try (Pair p = new Pair(configs, false)) {
      RecordHeaders h = new RecordHeaders();
      byte[] first = p.serializer.serialize("t", h, MARKER);
      h.setReadOnly();
      byte[] second = p.serializer.serialize("t", h, MARKER);
      assertFalse(java.util.Arrays.equals(first, second), "a fresh nonce");
      assertEquals(1, h.toArray().length, "no header was added or removed");
      assertEquals(maxRecords == 1, InlineFrame.isInline(second),
          "inline only when the header it carries is no longer the right one");
      assertEquals(MARKER, p.deserializer.deserialize("t", h, second));
      assertEquals(MARKER, p.deserializer.deserialize("t", h, first));
    }
  }

  private static void assertMessage(Map<String, Object> configs, String expected) {
    ConfigException e = assertThrows(ConfigException.class,
        () -> new EncryptingSerializer<String>().configure(configs, false));
    assertTrue(e.getMessage().contains(expected), e.getMessage());
  }

  @Test
  void useBeforeConfigureFailsClearly() {
    EncryptingSerializer<String> s = new EncryptingSerializer<>(Serdes.String().serializer());
    assertThrows(IllegalStateException.class, () -> s.serialize("t", new RecordHeaders(), "x"));
  }

  @Test
  void toStringsRevealNoSecrets() {
    try (Pair p = new Pair(configs, false)) {
      assertTrue(p.serializer.toString().contains("StringSerializer"));
      assertTrue(p.deserializer.toString().contains("recording"));
    }
  }
}
