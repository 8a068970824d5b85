package io.kafkaenvelope.serde.protobuf;

import static io.kafkaenvelope.serde.protobuf.Fixtures.MARKER;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.kafkaenvelope.config.EnvelopeConfig;
import io.kafkaenvelope.internal.wire.EnvelopeHeader;
import io.kafkaenvelope.internal.wire.WireFormat;
import io.kafkaenvelope.serde.EnvelopeException;
import io.kafkaenvelope.serde.protobuf.test.v1.Order;
import io.kafkaenvelope.testing.KafkaExtension;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A registry's Protobuf serde named in {@code envelope.inner.*} (a stand-in writing Apicurio
 * 2.x's Protobuf framing, {@link RegistryFramedSerializer}) through the encrypting wrappers and a
 * real broker, and {@code envelope.clear.prefix} on that framing: the magic byte and schema id
 * readable on the broker, the message name (Ref) and the message encrypted, the prefix
 * authenticated.
 */
class RegistryFramingTest {

  @RegisterExtension static final KafkaExtension KAFKA = new KafkaExtension();

  private static final long SCHEMA_ID = 0x0102_0304_0506L;

  private Map<String, Object> settings(int idBytes, String clearPrefix) {
    Map<String, Object> m = new HashMap<>(Fixtures.envelope());
    m.put(EnvelopeConfig.INNER_SERIALIZER, RegistryFramedSerializer.class.getName());
    m.put(EnvelopeConfig.INNER_DESERIALIZER, RegistryFramedDeserializer.class.getName());
    m.put(RegistryFramedSerializer.ID_BYTES, String.valueOf(idBytes));
    m.put(RegistryFramedSerializer.SCHEMA_ID, String.valueOf(idBytes == 4 ? 77 : SCHEMA_ID));
    m.put("apicurio.registry.url", "http://registry.example:8080/apis/registry/v2");
    if (clearPrefix != null) {
      m.put(EnvelopeConfig.CLEAR_PREFIX, clearPrefix);
    }
    return m;
  }

  /** Produces n orders through the broker, returns them as stored, and checks the consumer. */
  private List<ConsumerRecord<byte[], byte[]>> roundTrip(String topic, Map<String, Object> s,
      int n) {
    KAFKA.broker().createTopic(topic, 1);
    try (KafkaProducer<String, Order> p = new KafkaProducer<>(Fixtures.producer(
        KAFKA.broker(), s, EncryptingProtobufSerializer.class.getName()))) {
      for (int i = 0; i < n; i++) {
        p.send(new ProducerRecord<>(topic, "k" + i, Fixtures.v1("r-" + i, i)));
      }
      p.flush();
    }
    s.forEach((k, v) -> assertEquals(v, RegistryFramedSerializer.lastConfigs.get(k),
        "the inner serializer got every setting unchanged: " + k));
    List<ConsumerRecord<byte[], byte[]>> stored;
    try (KafkaConsumer<byte[], byte[]> raw = Fixtures.raw(KAFKA.broker())) {
      stored = Fixtures.drain(raw, topic, n);
    }
    assertEquals(n, stored.size());
    for (ConsumerRecord<byte[], byte[]> r : stored) {
      assertFalse(Fixtures.contains(r.value(), MARKER), "plaintext on the broker");
      assertFalse(Fixtures.contains(r.value(), "Order"), "the Ref (message name) is encrypted");
      assertNotNull(r.headers().lastHeader(WireFormat.VALUE_HEADER));
    }
    try (KafkaConsumer<String, Order> c = new KafkaConsumer<>(Fixtures.consumer(
        KAFKA.broker(), s, DecryptingProtobufDeserializer.class.getName()))) {
      List<ConsumerRecord<String, Order>> got = Fixtures.drain(c, topic, n);
      assertEquals(n, got.size());
      for (int i = 0; i < n; i++) {
        assertEquals("k" + i, got.get(i).key());
        assertEquals(Fixtures.v1("r-" + i, i), got.get(i).value());
      }
    }
    return stored;
  }

  @Test
  void schemaId8PrefixLeavesApicurioDefaultGlobalIdReadable() {
    String topic = Fixtures.unique("proto-prefix8");
    Map<String, Object> s = settings(8, "schema-id-8");
    ConsumerRecord<byte[], byte[]> first = roundTrip(topic, s, 6).get(0);
    byte[] v = first.value();
    assertEquals(0x00, v[0], "registry magic byte in the clear");
    assertEquals(SCHEMA_ID, ByteBuffer.wrap(v, 1, 8).getLong(), "global id in the clear");
    assertEquals(9, EnvelopeHeader.parse(first.headers().lastHeader(WireFormat.VALUE_HEADER)
        .value()).clearPrefixLength());
    everyPrefixBitIsAuthenticated(topic, first, s, 9);
  }

  @Test
  void schemaId4PrefixForFourByteIds() {
    String topic = Fixtures.unique("proto-prefix4");
    Map<String, Object> s = settings(4, "schema-id-4");
    ConsumerRecord<byte[], byte[]> first = roundTrip(topic, s, 3).get(0);
    assertArrayEquals(new byte[] {0, 0, 0, 0, 77}, Arrays.copyOf(first.value(), 5));
    assertEquals(5, EnvelopeHeader.parse(first.headers().lastHeader(WireFormat.VALUE_HEADER)
        .value()).clearPrefixLength());
    everyPrefixBitIsAuthenticated(topic, first, s, 5);
  }

  @Test
  void withoutTheOptionTheFramingIsEncryptedToo() {
    String topic = Fixtures.unique("proto-framing-sealed");
    Map<String, Object> s = settings(8, null);
    for (ConsumerRecord<byte[], byte[]> r : roundTrip(topic, s, 3)) {
      assertEquals(0, EnvelopeHeader.parse(r.headers().lastHeader(WireFormat.VALUE_HEADER)
          .value()).clearPrefixLength());
      assertFalse(Arrays.equals(ByteBuffer.allocate(8).putLong(SCHEMA_ID).array(),
          Arrays.copyOfRange(r.value(), 1, 9)), "the schema id is not in the clear");
    }
  }

  /** Flipping any single bit of the clear prefix makes decryption fail as TAMPERED. */
  private static void everyPrefixBitIsAuthenticated(String topic,
      ConsumerRecord<byte[], byte[]> r, Map<String, Object> s, int prefix) {
    try (DecryptingProtobufDeserializer<Order> d = new DecryptingProtobufDeserializer<>()) {
      d.configure(s, false);
      assertEquals(Fixtures.v1("r-0", 0), d.deserialize(topic, r.headers(), r.value()));
      for (int bit = 0; bit < prefix * 8; bit++) {
        byte[] copy = r.value().clone();
        copy[bit / 8] ^= (byte) (1 << (bit % 8));
        EnvelopeException e = assertThrows(EnvelopeException.class,
            () -> d.deserialize(topic, r.headers(), copy));
        assertEquals(EnvelopeException.Reason.TAMPERED, e.reason(), "bit " + bit);
      }
    }
  }
}
