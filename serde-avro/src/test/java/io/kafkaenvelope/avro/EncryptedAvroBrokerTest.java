package io.kafkaenvelope.avro;

import static io.kafkaenvelope.avro.Fixtures.MARKER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkaenvelope.avro.test.Order;
import io.kafkaenvelope.config.EnvelopeConfig;
import io.kafkaenvelope.serde.EnvelopeException;
import io.kafkaenvelope.testing.KafkaExtension;
import io.kafkaenvelope.internal.wire.EnvelopeHeader;
import io.kafkaenvelope.internal.wire.InlineFrame;
import io.kafkaenvelope.internal.wire.WireFormat;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The registry-less Avro serde with encryption, through a real broker. */
class EncryptedAvroBrokerTest {

  @RegisterExtension static final KafkaExtension KAFKA = new KafkaExtension();

  private final Map<String, Object> envelope = Fixtures.envelope();

  @Test
  void v1RecordsWrittenEncryptedAreReadWithAV2ReaderSchemaAndTheBrokerHoldsNoPlaintext() {
    String topic = Fixtures.unique("orders-avro");
    KAFKA.broker().createTopic(topic, 2);
    int n = 40;
    for (ConsumerRecord<byte[], byte[]> r : Fixtures.sendAndReadRaw(KAFKA.broker(), envelope,
        EncryptingAvroSerializer.class.getName(), topic, n, i -> Fixtures.v1("o-" + i, 100L + i),
        MARKER, "o-")) {
      EnvelopeHeader h = EnvelopeHeader.parse(
          r.headers().lastHeader(WireFormat.VALUE_HEADER).value());
      assertEquals(topic, h.topic());
      assertEquals(0, h.clearPrefixLength());
      assertFalse(r.value()[0] == (byte) 0xC3 && r.value()[1] == 0x01,
          "the Avro single-object marker is encrypted too");
    }
    Map<String, Object> reader = new HashMap<>(envelope);
    reader.put(AvroSerdeConfig.READER_SCHEMA, "classpath:avro/order-v2.avsc");
    reader.put(AvroSerdeConfig.WRITER_SCHEMAS, "classpath:avro/order-v1.avsc");
    try (KafkaConsumer<String, GenericRecord> c = new KafkaConsumer<>(Fixtures.consumer(
        KAFKA.broker(), reader, DecryptingAvroDeserializer.class.getName()))) {
      List<ConsumerRecord<String, GenericRecord>> got = Fixtures.drain(c, topic, n);
      assertEquals(n, got.size());
      for (ConsumerRecord<String, GenericRecord> r : got) {
        assertEquals(Fixtures.V2, r.value().getSchema());
        assertEquals("EUR", r.value().get("currency").toString(), "v2 default filled in");
        int i = Integer.parseInt(r.key().substring(1));
        assertEquals("o-" + i, r.value().get("id").toString());
        assertEquals(100L + i, r.value().get("amountCents"));
        assertEquals(MARKER + " note o-" + i, r.value().get("note").toString());
      }
    }
  }

  @Test
  void specificRecordsRoundTripAndAWrongKmsCannotRead() {
    String topic = Fixtures.unique("orders-specific");
    KAFKA.broker().createTopic(topic, 1);
    try (KafkaProducer<String, Order> p = new KafkaProducer<>(Fixtures.producer(
        KAFKA.broker(), envelope, EncryptingAvroSerializer.class.getName()))) {
      for (int i = 0; i < 10; i++) {
        p.send(new ProducerRecord<>(topic, "k" + i, new Order("s-" + i, i, MARKER, "USD")));
      }
      p.flush();
    }
    Map<String, Object> reader = new HashMap<>(envelope);
    reader.put(AvroSerdeConfig.SPECIFIC_CLASS, Order.class);
    try (KafkaConsumer<String, Order> c = new KafkaConsumer<>(Fixtures.consumer(
        KAFKA.broker(), reader, DecryptingAvroDeserializer.class.getName()))) {
      List<ConsumerRecord<String, Order>> got = Fixtures.drain(c, topic, 10);
      assertEquals(10, got.size());
      for (ConsumerRecord<String, Order> r : got) {
        assertEquals("USD", r.value().currency());
        assertEquals("s-" + r.key().substring(1), r.value().id());
      }
    }
    // a consumer with another KMS (no access to the KEK) gets a typed error, not data
    Map<String, Object> stranger = Fixtures.envelope();
    stranger.put(AvroSerdeConfig.SPECIFIC_CLASS, Order.class);
    try (KafkaConsumer<String, Order> c = new KafkaConsumer<>(Fixtures.consumer(
        KAFKA.broker(), stranger, DecryptingAvroDeserializer.class.getName()))) {
      c.subscribe(List.of(topic));
      Exception e = assertThrows(Exception.class, () -> {
        for (int i = 0; i < 150; i++) {
          c.poll(java.time.Duration.ofMillis(200));
        }
      });
      assertTrue(e.getCause() instanceof EnvelopeException, String.valueOf(e));
      assertEquals(EnvelopeException.Reason.UNKNOWN_KEY,
          ((EnvelopeException) e.getCause()).reason());
      assertFalse(e.getCause().getMessage().contains(MARKER));
    }
  }

  @Test
  void streamsSerdeWithoutHeadersFramesInline() {
    Map<String, Object> c = new HashMap<>(envelope);
    c.put(AvroSerdeConfig.READER_SCHEMA, "classpath:avro/order-v2.avsc");
    c.put(AvroSerdeConfig.WRITER_SCHEMAS, "classpath:avro/order-v1.avsc");
    try (EncryptingAvroSerde<GenericRecord> serde = new EncryptingAvroSerde<>()) {
      serde.configure(c, false);
      byte[] wire = serde.serializer().serialize("store", Fixtures.v1("st", 1));
      assertTrue(InlineFrame.isInline(wire));
      assertFalse(Fixtures.contains(wire, MARKER));
      assertEquals("EUR",
          serde.deserializer().deserialize("store", wire).get("currency").toString());
      assertNull(serde.serializer().serialize("store", null));
      assertNull(serde.deserializer().deserialize("store", null));
    }
  }

  @Test
  void clearPrefixRefusesUnframedAvroRatherThanLeakIt() {
    Map<String, Object> c = new HashMap<>(envelope);
    c.put(EnvelopeConfig.CLEAR_PREFIX, "schema-id-4");
    try (EncryptingAvroSerializer<GenericRecord> s = new EncryptingAvroSerializer<>()) {
      s.configure(c, false);
      EnvelopeException e = assertThrows(EnvelopeException.class,
          () -> s.serialize("t", new RecordHeaders(), Fixtures.v1("x", 1)));
      assertEquals(EnvelopeException.Reason.MISCONFIGURED, e.reason());
      assertNotNull(e.getMessage());
      assertNotEquals(-1, e.getMessage().indexOf(EnvelopeConfig.CLEAR_PREFIX));
    }
  }
}
