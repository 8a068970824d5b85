package io.kafkaenvelope.serde.protobuf;

import static io.kafkaenvelope.serde.protobuf.Fixtures.MARKER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Message;
import io.kafkaenvelope.config.EnvelopeConfig;
import io.kafkaenvelope.internal.wire.EnvelopeHeader;
import io.kafkaenvelope.internal.wire.InlineFrame;
import io.kafkaenvelope.internal.wire.WireFormat;
import io.kafkaenvelope.serde.EnvelopeException;
import io.kafkaenvelope.serde.protobuf.test.v1.Order;
import io.kafkaenvelope.testing.KafkaExtension;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntFunction;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RecordDeserializationException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The registry-less Protobuf serde with encryption, through a real broker. */
class EncryptedProtobufBrokerTest {

  @RegisterExtension static final KafkaExtension KAFKA = new KafkaExtension();

  private static final Class<?> V2_ORDER = io.kafkaenvelope.serde.protobuf.test.v2.Order.class;

  private final Map<String, Object> envelope = Fixtures.envelope();

  /** Sends n messages made by {@code make} (key "k" + i) and returns what the broker stores. */
  private List<ConsumerRecord<byte[], byte[]>> produce(String topic, Map<String, Object> settings,
      int n, IntFunction<? extends Message> make) {
    KAFKA.broker().createTopic(topic, 2);
    try (KafkaProducer<String, Message> p = new KafkaProducer<>(Fixtures.producer(
        KAFKA.broker(), settings, EncryptingProtobufSerializer.class.getName()))) {
      for (int i = 0; i < n; i++) {
        p.send(new ProducerRecord<>(topic, "k" + i, make.apply(i)));
      }
      p.flush();
    }
    try (KafkaConsumer<byte[], byte[]> raw = Fixtures.raw(KAFKA.broker())) {
      List<ConsumerRecord<byte[], byte[]>> stored = Fixtures.drain(raw, topic, n);
      assertEquals(n, stored.size());
      for (ConsumerRecord<byte[], byte[]> r : stored) {
        assertFalse(Fixtures.contains(r.value(), MARKER), "plaintext on the broker");
        assertFalse(Fixtures.contains(r.value(), "kafkaenvelope.test"),
            "the Any's type URL is encrypted too");
        EnvelopeHeader h = EnvelopeHeader.parse(
            r.headers().lastHeader(WireFormat.VALUE_HEADER).value());
        assertEquals(topic, h.topic());
        assertEquals(0, h.clearPrefixLength());
      }
      return stored;
    }
  }

  /** Reads n records into the class {@code settings} names; one record per key, none lost. */
  private <T> Map<Integer, T> consume(String topic, Map<String, Object> settings, int n) {
    try (KafkaConsumer<String, T> c = new KafkaConsumer<>(Fixtures.consumer(
        KAFKA.broker(), settings, DecryptingProtobufDeserializer.class.getName()))) {
      List<ConsumerRecord<String, T>> got = Fixtures.drain(c, topic, n);
      assertEquals(n, got.size());
      Map<Integer, T> byIndex = new HashMap<>();
      for (ConsumerRecord<String, T> r : got) {
        assertNull(byIndex.put(Integer.parseInt(r.key().substring(1)), r.value()),
            "duplicate " + r.key());
      }
      assertEquals(n, byIndex.size());
      return byIndex;
    }
  }

  private Map<String, Object> reader(Class<?> messageClass) {
    Map<String, Object> m = new HashMap<>(envelope);
    m.put(ProtobufSerdeConfig.MESSAGE_CLASS, messageClass.getName());
    return m;
  }

  @Test
  void nestedRepeatedMapOneofAndEnumFieldsRoundTripAndTheBrokerHoldsNoPlaintext() {
    String topic = Fixtures.unique("orders-proto");
    int n = 40;
    produce(topic, envelope, n, i -> Fixtures.v1("o-" + i, i));
    Map<Integer, Order> got = consume(topic, reader(Order.class), n);
    for (int i = 0; i < n; i++) {
      assertEquals(Fixtures.v1("o-" + i, i), got.get(i), "record " + i);
    }
    assertEquals(Order.PaymentCase.CARD, got.get(0).getPaymentCase());
    assertEquals(Order.PaymentCase.IBAN, got.get(1).getPaymentCase());
  }

  @Test
  void producerWithAnAddedFieldAndAConsumerWithTheOldClass() {
    String topic = Fixtures.unique("orders-proto-v2-to-v1");
    int n = 20;
    produce(topic, envelope, n, i -> Fixtures.v2("o-" + i, i, "CHF"));
    Map<Integer, Order> got = consume(topic, reader(Order.class), n);
    for (int i = 0; i < n; i++) {
      Order o = got.get(i);
      Order expected = Fixtures.v1("o-" + i, i);
      assertEquals(expected, o.toBuilder().setUnknownFields(
          com.google.protobuf.UnknownFieldSet.getDefaultInstance()).build());
      assertTrue(o.getUnknownFields().hasField(10), "the added field is kept as unknown");
    }
  }

  @Test
  void producerWithTheOldClassAndAConsumerWithTheAddedField() {
    String topic = Fixtures.unique("orders-proto-v1-to-v2");
    int n = 20;
    produce(topic, envelope, n, i -> Fixtures.v1("o-" + i, i));
    Map<Integer, io.kafkaenvelope.serde.protobuf.test.v2.Order> got =
        consume(topic, reader(V2_ORDER), n);
    for (int i = 0; i < n; i++) {
      io.kafkaenvelope.serde.protobuf.test.v2.Order o = got.get(i);
      assertEquals("", o.getCurrency(), "the added field reads as its default");
      assertEquals(Fixtures.v2("o-" + i, i, "").toByteString(), o.toByteString());
      assertEquals(MARKER + " note o-" + i, o.getNote());
    }
  }

  @Test
  void aConsumerConfiguredWithTheWrongMessageClassGetsATypedError() {
    String topic = Fixtures.unique("refunds-proto");
    produce(topic, envelope, 3, i -> Fixtures.refund("o-" + i));
    try (KafkaConsumer<String, Order> c = new KafkaConsumer<>(Fixtures.consumer(
        KAFKA.broker(), reader(Order.class), DecryptingProtobufDeserializer.class.getName()))) {
      c.subscribe(List.of(topic));
      RecordDeserializationException e = Fixtures.pollUntilRefused(c);
      SerializationException cause = assertInstanceOf(SerializationException.class,
          e.getCause());
      assertFalse(cause instanceof EnvelopeException, "decryption worked; the type did not");
      assertTrue(cause.getMessage().contains("kafkaenvelope.test.Refund"), cause.getMessage());
      assertFalse(cause.getMessage().contains(MARKER));
    }
  }

  @Test
  void aTamperedRecordIsRefusedAndTheOthersStillRead() {
    String topic = Fixtures.unique("orders-proto-tamper");
    List<ConsumerRecord<byte[], byte[]>> stored = produce(topic, envelope, 4,
        i -> Fixtures.v1("o-" + i, i));
    // Re-publish one stored record into the same topic (the envelope binds the topic), once as
    // it was and once with a single ciphertext bit flipped.
    ConsumerRecord<byte[], byte[]> victim = stored.get(0);
    int index = Integer.parseInt(new String(victim.key(), java.nio.charset.StandardCharsets.UTF_8)
        .substring(1));
    Order original = Fixtures.v1("o-" + index, index);
    byte[] forged = victim.value().clone();
    forged[forged.length / 2] ^= 0x01;
    Map<String, Object> pc = new HashMap<>();
    pc.put("bootstrap.servers", KAFKA.broker().bootstrapServers());
    String replay = topic;
    try (KafkaProducer<byte[], byte[]> p =
        new KafkaProducer<>(pc, new ByteArraySerializer(), new ByteArraySerializer())) {
      p.send(new ProducerRecord<>(replay, 0, victim.key(), victim.value(), victim.headers()));
      p.send(new ProducerRecord<>(replay, 0, victim.key(), forged, victim.headers()));
      p.flush();
    }
    try (DecryptingProtobufDeserializer<Order> d = new DecryptingProtobufDeserializer<>()) {
      d.configure(reader(Order.class), false);
      assertEquals(original, d.deserialize(topic, victim.headers(), victim.value()));
      EnvelopeException e = assertThrows(EnvelopeException.class,
          () -> d.deserialize(topic, victim.headers(), forged));
      assertEquals(EnvelopeException.Reason.TAMPERED, e.reason());
      assertFalse(e.getMessage().contains(MARKER));
    }
    try (KafkaConsumer<String, Order> c = new KafkaConsumer<>(Fixtures.consumer(
        KAFKA.broker(), reader(Order.class), DecryptingProtobufDeserializer.class.getName()))) {
      c.subscribe(List.of(topic));
      List<Order> good = new ArrayList<>();
      RecordDeserializationException refused = null;
      long deadline = System.currentTimeMillis() + 30_000;
      while (refused == null && System.currentTimeMillis() < deadline) {
        try {
          c.poll(java.time.Duration.ofMillis(200)).forEach(r -> good.add(r.value()));
        } catch (RecordDeserializationException ex) {
          refused = ex;
        }
      }
      assertInstanceOf(EnvelopeException.class, refused == null ? null : refused.getCause());
      assertEquals(EnvelopeException.Reason.TAMPERED,
          ((EnvelopeException) refused.getCause()).reason());
      // the replayed original decrypts (replay within a topic is allowed by design)
      Set<Order> distinct = new HashSet<>(good);
      assertTrue(distinct.contains(original));
    }
  }

  @Test
  void aPlaintextProtobufTopicBeingMigratedReadsWithTheMessageEncoding() {
    String topic = Fixtures.unique("orders-proto-migrating");
    KAFKA.broker().createTopic(topic, 1);
    Map<String, Object> pc = new HashMap<>();
    pc.put("bootstrap.servers", KAFKA.broker().bootstrapServers());
    // what a plain Protobuf producer wrote before encryption was switched on: bare messages
    try (KafkaProducer<String, byte[]> plain = new KafkaProducer<>(pc,
        new org.apache.kafka.common.serialization.StringSerializer(), new ByteArraySerializer())) {
      for (int i = 0; i < 3; i++) {
        plain.send(new ProducerRecord<>(topic, "k" + i, Fixtures.v1("o-" + i, i).toByteArray()));
      }
      plain.flush();
    }
    Map<String, Object> s = new HashMap<>(envelope);
    s.put(ProtobufSerdeConfig.ENCODING, "message");
    try (KafkaProducer<String, Order> p = new KafkaProducer<>(Fixtures.producer(
        KAFKA.broker(), s, EncryptingProtobufSerializer.class.getName()))) {
      for (int i = 3; i < 6; i++) {
        p.send(new ProducerRecord<>(topic, "k" + i, Fixtures.v1("o-" + i, i)));
      }
      p.flush();
    }
    Map<String, Object> r = new HashMap<>(s);
    r.put(ProtobufSerdeConfig.MESSAGE_CLASS, Order.class.getName());
    r.put(EnvelopeConfig.PLAINTEXT_POLICY, "allow");
    Map<Integer, Order> got = consume(topic, r, 6);
    for (int i = 0; i < 6; i++) {
      assertEquals(Fixtures.v1("o-" + i, i), got.get(i), "record " + i);
    }
  }

  @Test
  void streamsSerdeWithoutHeadersFramesInline() {
    Map<String, Object> c = reader(Order.class);
    try (EncryptingProtobufSerde<Order> serde = new EncryptingProtobufSerde<>()) {
      serde.configure(c, false);
      byte[] wire = serde.serializer().serialize("store", Fixtures.v1("st", 1));
      assertTrue(InlineFrame.isInline(wire));
      assertFalse(Fixtures.contains(wire, MARKER));
      assertEquals(Fixtures.v1("st", 1), serde.deserializer().deserialize("store", wire));
      assertNull(serde.serializer().serialize("store", null));
      assertNull(serde.deserializer().deserialize("store", null));
    }
  }

  @Test
  void clearPrefixRefusesUnframedProtobufRatherThanLeakIt() {
    Map<String, Object> c = new HashMap<>(envelope);
    c.put(EnvelopeConfig.CLEAR_PREFIX, "schema-id-8");
    try (EncryptingProtobufSerializer<Order> s = new EncryptingProtobufSerializer<>()) {
      s.configure(c, false);
      EnvelopeException e = assertThrows(EnvelopeException.class,
          () -> s.serialize("t", new RecordHeaders(), Fixtures.v1("x", 1)));
      assertEquals(EnvelopeException.Reason.MISCONFIGURED, e.reason());
      assertTrue(e.getMessage().contains(EnvelopeConfig.CLEAR_PREFIX));
    }
  }

  @Test
  void decryptingDeserializerWithoutAMessageClassNamesTheSetting() {
    try (DecryptingProtobufDeserializer<Order> d = new DecryptingProtobufDeserializer<>()) {
      org.apache.kafka.common.config.ConfigException e = assertThrows(
          org.apache.kafka.common.config.ConfigException.class,
          () -> d.configure(envelope, false));
      assertTrue(e.getMessage().contains(ProtobufSerdeConfig.MESSAGE_CLASS), e.getMessage());
    }
  }
}
