package io.kafkaenvelope.json;

import io.kafkaenvelope.testing.KafkaBroker;
import io.kafkaenvelope.testing.TestClients;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;

/** Records and client settings shared by the tests. */
final class Fixtures {

  /** Every test record carries this; it must never reach the broker or a log line. */
  static final String MARKER = "JSON-PLAINTEXT-MARKER-8b2c";

  private Fixtures() {}

  static String unique(String prefix) {
    return TestClients.unique(prefix);
  }

  static OrderV1 v1(String id, long cents) {
    return new OrderV1(id, cents, MARKER + " note " + id);
  }

  /** Envelope settings against a fresh in-memory KMS. */
  static Map<String, Object> envelope() {
    Map<String, Object> m = new HashMap<>();
    m.put("envelope.kms.type", "in-memory");
    m.put("envelope.kms.memory.name", unique("json-kms"));
    m.put("envelope.kek.id", "json-kek");
    return m;
  }

  static Map<String, Object> producer(KafkaBroker broker, Map<String, Object> settings,
      String valueSerializer) {
    return TestClients.producerConfig(broker, settings, valueSerializer);
  }

  static Map<String, Object> consumer(KafkaBroker broker, Map<String, Object> settings,
      String valueDeserializer) {
    return TestClients.consumerConfig(broker, settings, valueDeserializer);
  }

  static KafkaConsumer<byte[], byte[]> raw(KafkaBroker broker) {
    return TestClients.rawConsumer(broker);
  }

  static <K, V> List<ConsumerRecord<K, V>> drain(KafkaConsumer<K, V> consumer, String topic,
      int expected) {
    return TestClients.drain(consumer, topic, expected);
  }

  static boolean contains(byte[] haystack, String needle) {
    return TestClients.contains(haystack, needle);
  }
}
