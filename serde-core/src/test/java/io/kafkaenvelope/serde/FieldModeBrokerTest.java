package io.kafkaenvelope.serde;

import static io.kafkaenvelope.testing.TestConfigs.MARKER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkaenvelope.internal.wire.FieldHeader;
import io.kafkaenvelope.kms.memory.InMemoryKms;
import io.kafkaenvelope.testing.KafkaExtension;
import io.kafkaenvelope.testing.MapFieldFormat;
import io.kafkaenvelope.testing.TestConfigs;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Field mode through the real (in-process KRaft) broker with the test format: the broker holds
 * the clear fields unchanged and none of the encrypted ones, the field headers (one per KEK) come
 * back in their order, a consumer with every KEK reads the records exactly, and one without the
 * PII KEK reads them with that field null.
 */
class FieldModeBrokerTest {

  @RegisterExtension static final KafkaExtension KAFKA = new KafkaExtension();

  private static final int RECORDS = 20;
  private static final String SSN = "123-45-6789-" + MARKER;

  private final String kmsName = TestConfigs.newKmsName();
  private final InMemoryKms kms = InMemoryKms.named(kmsName);

  private Map<String, Object> envelope() {
    Map<String, Object> m = TestConfigs.base(kmsName);
    m.put("envelope.mode", "field");
    m.put("envelope.fields", "customer.ssn,lines[].address,attrs[]");
    m.put("envelope.fields.kek.customer.ssn", "kek-pii");
    return m;
  }

  private <V> List<ConsumerRecord<String, V>> consume(String topic, Deserializer<V> values) {
    Map<String, Object> c = new HashMap<>();
    c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.broker().bootstrapServers());
    c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    List<ConsumerRecord<String, V>> out = new ArrayList<>();
    try (KafkaConsumer<String, V> consumer = new KafkaConsumer<>(c, new StringDeserializer(),
        values)) {
      // assigned, not subscribed: no group to join, so three reads cost no rebalances
      TopicPartition tp = new TopicPartition(topic, 0);
      consumer.assign(List.of(tp));
      consumer.seekToBeginning(List.of(tp));
      long deadline = System.currentTimeMillis() + 60_000;
      while (out.size() < RECORDS && System.currentTimeMillis() < deadline) {
        consumer.poll(Duration.ofMillis(200)).forEach(out::add);
      }
    }
    assertEquals(RECORDS, out.size(), "records read back");
    return out;
  }

  @Test
  void theBrokerHoldsOnlyTheClearFieldsAndEachConsumerReadsWhatItsKeysAllow() throws Exception {
    String topic = "field-orders-" + kmsName;
    KAFKA.broker().createTopic(topic, 1);
    Map<String, Object> p = new HashMap<>();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.broker().bootstrapServers());
    try (KafkaProducer<String, Object> producer = new KafkaProducer<>(p, new StringSerializer(),
        FieldModeTest.serializer(envelope(), new MapFieldFormat()))) {
      for (int i = 0; i < RECORDS; i++) {
        producer.send(new ProducerRecord<>(topic, "k" + i, FieldModeTest.order("o-" + i, SSN)))
            .get();
      }
    }
    assertEquals(2, kms.generateCalls(), "one data key per KEK for the whole batch");

    for (ConsumerRecord<String, byte[]> r : consume(topic, new ByteArrayDeserializer())) {
      String raw = new String(r.value(), StandardCharsets.ISO_8859_1);
      assertFalse(raw.contains(MARKER), "no encrypted field in the clear on the broker");
      assertTrue(raw.contains("Ann") && raw.contains("qty"), "clear fields unchanged");
      List<FieldHeader> headers = new ArrayList<>();
      for (Header h : r.headers().headers("kafka-envelope.value.fields")) {
        headers.add(FieldHeader.parse(h.value()));
      }
      assertEquals(2, headers.size());
      for (int i = 0; i < headers.size(); i++) {
        assertEquals(i, headers.get(i).index(), "headers come back in their order");
      }
      assertEquals("kek-pii", headers.get(0).kekId());
      assertEquals(List.of("customer.ssn"), headers.get(0).paths());
    }

    Map<String, Object> all = envelope();
    try (DecryptingDeserializer<Object> d = FieldModeTest.deserializer(all)) {
      for (ConsumerRecord<String, Object> r : consume(topic, d)) {
        String id = "o-" + r.key().substring(1);
        assertEquals(FieldModeTest.order(id, SSN), r.value());
      }
    }

    Map<String, Object> noPii = TestConfigs.base(kmsName);
    noPii.put("envelope.fields.unreadable", "null");
    kms.resetCounters();
    try (DecryptingDeserializer<Object> d = FieldModeTest.deserializer(noPii)) {
      for (ConsumerRecord<String, Object> r : consume(topic, d)) {
        @SuppressWarnings("unchecked")
        Map<String, Object> customer = (Map<String, Object>) ((Map<String, Object>) r.value())
            .get("customer");
        assertNull(customer.get("ssn"));
        assertEquals("Ann", customer.get("name"));
        assertInstanceOf(Map.class, ((Map<?, ?>) r.value()).get("attrs"));
        assertEquals(FieldModeTest.order("x", SSN).get("attrs"),
            ((Map<?, ?>) r.value()).get("attrs"), "fields under kek-1 decrypted");
      }
    }
    assertEquals(1, kms.unwrapCalls(), "kek-1's data key once; kek-pii's never asked for");
  }
}
