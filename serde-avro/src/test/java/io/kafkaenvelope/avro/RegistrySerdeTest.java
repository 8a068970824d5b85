package io.kafkaenvelope.avro;

import static io.kafkaenvelope.avro.Fixtures.MARKER;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkaenvelope.config.EnvelopeConfig;
import io.kafkaenvelope.serde.DecryptingDeserializer;
import io.kafkaenvelope.serde.EnvelopeException;
import io.kafkaenvelope.testing.ApicurioRegistryExtension;
import io.kafkaenvelope.testing.KafkaExtension;
import io.kafkaenvelope.internal.wire.EnvelopeHeader;
import io.kafkaenvelope.internal.wire.WireFormat;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RecordDeserializationException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A third-party registry serde (Apicurio Registry 2.x's Avro serdes, from Maven Central) loaded by
 * class name through {@code envelope.inner.serializer}, against a registry-compatible HTTP server
 * on loopback and a real broker; and the clear-prefix option on its registry framing.
 */
class RegistrySerdeTest {

  @RegisterExtension static final KafkaExtension KAFKA = new KafkaExtension();

  private static final String APICURIO_SER = "io.apicurio.registry.serde.avro.AvroKafkaSerializer";
  private static final String APICURIO_DESER =
      "io.apicurio.registry.serde.avro.AvroKafkaDeserializer";

  @RegisterExtension
  static final ApicurioRegistryExtension REGISTRY = new ApicurioRegistryExtension();

  private final Map<String, Object> envelope = Fixtures.envelope();

  /** Apicurio settings; {@code headers=false} puts the id into the payload (registry framing). */
  private Map<String, Object> apicurio(boolean headers, boolean confluentIds) {
    Map<String, Object> m = new HashMap<>(envelope);
    m.put(EnvelopeConfig.INNER_SERIALIZER, APICURIO_SER);
    m.put(EnvelopeConfig.INNER_DESERIALIZER, APICURIO_DESER);
    m.put("apicurio.registry.url", REGISTRY.registry().url());
    m.put("apicurio.registry.auto-register", "true");
    m.put("apicurio.registry.headers.enabled", String.valueOf(headers));
    if (confluentIds) {
      m.put("apicurio.registry.as-confluent", "true");
    }
    return m;
  }

  private List<ConsumerRecord<byte[], byte[]>> produce(String topic, Map<String, Object> settings,
      int n) {
    KAFKA.broker().createTopic(topic, 1);
    List<ConsumerRecord<byte[], byte[]>> stored = Fixtures.sendAndReadRaw(KAFKA.broker(),
        settings, EncryptingAvroSerializer.class.getName(), topic, n,
        i -> Fixtures.v1("r-" + i, i), MARKER);
    stored.forEach(r -> assertNotNull(r.headers().lastHeader(WireFormat.VALUE_HEADER)));
    return stored;
  }

  private List<GenericRecord> consume(String topic, Map<String, Object> settings, int n) {
    try (KafkaConsumer<String, GenericRecord> c = new KafkaConsumer<>(Fixtures.consumer(
        KAFKA.broker(), settings, DecryptingAvroDeserializer.class.getName()))) {
      List<GenericRecord> out = new ArrayList<>();
      Fixtures.drain(c, topic, n).forEach(r -> out.add(r.value()));
      return out;
    }
  }

  private static void assertRecords(List<GenericRecord> got, int n) {
    assertEquals(n, got.size());
    for (int i = 0; i < n; i++) {
      assertEquals("r-" + i, got.get(i).get("id").toString());
      assertEquals(MARKER + " note r-" + i, got.get(i).get("note").toString());
    }
  }

  @Test
  void apicurioSerdesLoadedByNameRoundTripWithTheirOwnSettings() {
    String topic = Fixtures.unique("apicurio-headers");
    Map<String, Object> settings = apicurio(true, false);
    List<ConsumerRecord<byte[], byte[]>> stored = produce(topic, settings, 5);
    // Apicurio's own id header rides along in the clear, as it would without encryption
    assertNotNull(stored.get(0).headers().lastHeader("apicurio.value.globalId"));
    assertTrue(REGISTRY.registry().requests.stream().anyMatch(r -> r.startsWith("POST ")),
        "the serializer registered its schema: apicurio.registry.url reached it");
    assertRecords(consume(topic, settings, 5), 5);
    assertTrue(REGISTRY.registry().requests.stream().anyMatch(r -> r.startsWith("GET ")),
        "the deserializer fetched the schema by id");
  }

  @Test
  void withoutTheClearPrefixTheRegistryFramingIsEncryptedToo() {
    String topic = Fixtures.unique("apicurio-framed-encrypted");
    Map<String, Object> settings = apicurio(false, true);
    List<ConsumerRecord<byte[], byte[]>> stored = produce(topic, settings, 3);
    Map<String, Object> envelopeOnly = new HashMap<>(envelope);
    envelopeOnly.put(EnvelopeConfig.INNER_DESERIALIZER, ByteArrayDeserializer.class.getName());
    try (DecryptingDeserializer<byte[]> d = new DecryptingDeserializer<>()) {
      d.configure(envelopeOnly, false);
      for (ConsumerRecord<byte[], byte[]> r : stored) {
        EnvelopeHeader h =
            EnvelopeHeader.parse(r.headers().lastHeader(WireFormat.VALUE_HEADER).value());
        assertEquals(0, h.clearPrefixLength());
        byte[] framed = d.deserialize(topic, r.headers(), r.value());
        assertEquals(0x00, framed[0], "Apicurio framed the plaintext");
        assertNotNull(REGISTRY.registry().schema(ByteBuffer.wrap(framed, 1, 4).getInt()));
        assertFalse(Arrays.equals(Arrays.copyOf(framed, 5), Arrays.copyOf(r.value(), 5)),
            "the framing is not in the clear");
        assertEquals(framed.length + 12 + 16, r.value().length, "all of it sealed");
      }
    }
    assertRecords(consume(topic, settings, 3), 3);
  }

  @Test
  void schemaId4PrefixIsReadableOnTheBrokerAndTamperingItBreaksDecryption() {
    String topic = Fixtures.unique("apicurio-prefix4");
    Map<String, Object> settings = apicurio(false, true);
    settings.put(EnvelopeConfig.CLEAR_PREFIX, "schema-id-4");
    List<ConsumerRecord<byte[], byte[]>> stored = produce(topic, settings, 3);
    ConsumerRecord<byte[], byte[]> first = stored.get(0);
    byte[] v = first.value();
    assertEquals(0x00, v[0], "registry magic byte in the clear");
    long id = ByteBuffer.wrap(v, 1, 4).getInt();
    assertEquals(Fixtures.V1, new Schema.Parser().parse(REGISTRY.registry().schema(id)),
        "a registry-aware tool resolves the clear schema id to the writer schema");
    assertEquals(5, EnvelopeHeader.parse(first.headers().lastHeader(WireFormat.VALUE_HEADER)
        .value()).clearPrefixLength());
    assertRecords(consume(topic, settings, 3), 3);
    tamperedPrefixIsRefused(topic, first, 4);
  }

  @Test
  void schemaId8PrefixForApicurioDefaultGlobalIds() {
    String topic = Fixtures.unique("apicurio-prefix8");
    Map<String, Object> settings = apicurio(false, false);
    settings.put(EnvelopeConfig.CLEAR_PREFIX, "schema-id-8");
    List<ConsumerRecord<byte[], byte[]>> stored = produce(topic, settings, 3);
    byte[] v = stored.get(0).value();
    assertEquals(0x00, v[0]);
    long id = ByteBuffer.wrap(v, 1, 8).getLong();
    assertEquals(Fixtures.V1, new Schema.Parser().parse(REGISTRY.registry().schema(id)));
    assertRecords(consume(topic, settings, 3), 3);
    tamperedPrefixIsRefused(topic, stored.get(0), 8);
  }

  /**
   * Re-publishes {@code original} with its schema id pointing at another registered schema (and
   * once unchanged, as a control); the consumer decrypts the control and refuses the copy with a
   * TAMPERED {@link EnvelopeException}.
   */
  private void tamperedPrefixIsRefused(String topic, ConsumerRecord<byte[], byte[]> original,
      int idBytes) {
    // register another schema, so the forged id is one a registry would happily resolve
    Map<String, Object> other = apicurio(false, idBytes == 4);
    try (EncryptingAvroSerializer<GenericRecord> s = new EncryptingAvroSerializer<>()) {
      s.configure(other, false);
      s.serialize(topic, new RecordHeaders(), Fixtures.v2("other", 1, "EUR"));
    }
    byte[] forged = original.value().clone();
    long realId = idBytes == 4 ? ByteBuffer.wrap(forged, 1, 4).getInt()
        : ByteBuffer.wrap(forged, 1, 8).getLong();
    long otherId = -1;
    for (long id = realId + 1; id < realId + 50 && otherId < 0; id++) {
      String schema = REGISTRY.registry().schema(id);
      if (schema != null && !schema.equals(REGISTRY.registry().schema(realId))) {
        otherId = id;
      }
    }
    assertTrue(otherId > 0, "a second schema was registered");
    if (idBytes == 4) {
      ByteBuffer.wrap(forged, 1, 4).putInt((int) otherId);
    } else {
      ByteBuffer.wrap(forged, 1, 8).putLong(otherId);
    }
    assertFalse(Arrays.equals(forged, original.value()));
    String target = Fixtures.unique(topic + "-replayed");
    KAFKA.broker().createTopic(target, 1);
    // The envelope binds the topic: replay into the same topic (allowed by design), not another.
    Fixtures.sendRaw(KAFKA.broker(), List.of(
        new ProducerRecord<>(topic, null, original.key(), original.value(), original.headers()),
        new ProducerRecord<>(topic, null, original.key(), forged, original.headers())));
    Map<String, Object> settings = apicurio(false, idBytes == 4);
    try (KafkaConsumer<String, GenericRecord> c = new KafkaConsumer<>(Fixtures.consumer(
        KAFKA.broker(), settings, DecryptingAvroDeserializer.class.getName()))) {
      Fixtures.Refusal<GenericRecord> outcome = Fixtures.pollUntilRefusal(c, topic);
      RecordDeserializationException refused = outcome.refused();
      assertNotNull(refused, "the record with a changed schema id was refused");
      assertEquals(4, outcome.accepted().size(), "3 originals and the unchanged replay decrypt");
      assertEquals(4, refused.offset(), "exactly the forged record is refused");
      EnvelopeException cause = assertInstanceOf(EnvelopeException.class, refused.getCause());
      assertEquals(EnvelopeException.Reason.TAMPERED, cause.reason());
      assertFalse(cause.getMessage().contains(MARKER));
    }
    // and directly, with every single bit of the prefix
    try (DecryptingAvroDeserializer<GenericRecord> d = new DecryptingAvroDeserializer<>()) {
      d.configure(settings, false);
      assertEquals("r-0", d.deserialize(topic, original.headers(), original.value())
          .get("id").toString());
      for (int bit = 0; bit < (1 + idBytes) * 8; bit++) {
        byte[] copy = original.value().clone();
        copy[bit / 8] ^= (byte) (1 << (bit % 8));
        EnvelopeException e = org.junit.jupiter.api.Assertions.assertThrows(
            EnvelopeException.class, () -> d.deserialize(topic, original.headers(), copy));
        assertEquals(EnvelopeException.Reason.TAMPERED, e.reason(), "bit " + bit);
      }
    }
  }

  @Test
  void innerSerializerLoadedByNameGetsEverySettingUntouched() {
    Map<String, Object> settings = new HashMap<>(envelope);
    settings.put(EnvelopeConfig.INNER_SERIALIZER, CapturingSerializer.class.getName());
    settings.put("schema.registry.url", "http://registry.example:8081");
    settings.put("specific.avro.reader", true);
    settings.put("apicurio.registry.url", REGISTRY.registry().url());
    settings.put("basic.auth.user.info", "user:secret");
    settings.put("auto.register.schemas", false);
    try (EncryptingAvroSerializer<byte[]> s = new EncryptingAvroSerializer<>()) {
      s.configure(settings, true);
      assertEquals(settings, CapturingSerializer.lastConfigs);
      assertEquals(Boolean.TRUE, CapturingSerializer.lastIsKey);
      RecordHeaders h = new RecordHeaders();
      byte[] wire = s.serialize("t", h, (MARKER + "raw").getBytes());
      assertNotEquals(MARKER.length() + 3, wire.length);
      assertFalse(Fixtures.contains(wire, MARKER));
    }
  }

  @Test
  void registryDeserializerAloneCannotReadTheEncryptedTopic() {
    String topic = Fixtures.unique("apicurio-no-envelope");
    Map<String, Object> settings = apicurio(false, true);
    settings.put(EnvelopeConfig.CLEAR_PREFIX, "schema-id-4");
    List<ConsumerRecord<byte[], byte[]>> stored = produce(topic, settings, 1);
    ConsumerRecord<byte[], byte[]> r = stored.get(0);
    assertArrayEquals(new byte[] {0}, Arrays.copyOf(r.value(), 1));
    int schemaId = ByteBuffer.wrap(r.value(), 1, 4).getInt();
    // Apicurio's deserializer without the envelope sees the clear id and fetches the schema
    // (registry tools learn the schema), then decodes the ciphertext body as Avro. Random bytes
    // usually fail to decode but sometimes make a valid record; either way, no field value of the
    // plaintext may come out. Which of the two happens is up to the ciphertext, so the test
    // asserts the same thing on both paths.
    Object decoded;
    try (io.apicurio.registry.serde.avro.AvroKafkaDeserializer<GenericRecord> plain =
        new io.apicurio.registry.serde.avro.AvroKafkaDeserializer<>()) {
      plain.configure(settings, false);
      try {
        decoded = plain.deserialize(topic, new RecordHeaders(), r.value());
      } catch (RuntimeException e) {
        decoded = e;
        assertNoPlaintext(e);
      }
    }
    assertNotNull(REGISTRY.registry().schema(schemaId), "the clear id names the registered schema");
    assertTrue(REGISTRY.registry().requests.stream()
        .anyMatch(q -> q.startsWith("GET ") && q.endsWith("/" + schemaId)),
        "the plain deserializer fetched the schema: " + REGISTRY.registry().requests);
    assertNoPlaintext(decoded);
  }

  /** Neither the record's id, its note nor the marker appear anywhere in {@code o}. */
  private static void assertNoPlaintext(Object o) {
    if (o instanceof Throwable t) {
      for (Throwable c = t; c != null; c = c.getCause()) {
        assertNoPlaintext(c.getMessage());
      }
      return;
    }
    String text = String.valueOf(o);
    assertFalse(text.contains(MARKER), "plaintext marker came out");
    assertFalse(text.contains("note r-0"), "plaintext note came out");
    assertFalse(text.contains("\"r-0\""), "plaintext id came out");
    if (o instanceof GenericRecord g) {
      assertNotEquals("r-0", String.valueOf(g.get("id")), "plaintext id came out");
    }
  }
}
