package io.kafkaenvelope.it;

import io.kafkaenvelope.serde.DecryptingDeserializer;
import io.kafkaenvelope.serde.EncryptingSerializer;
import io.kafkaenvelope.testing.KafkaBroker;
import io.kafkaenvelope.testing.TestClients;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** Client configurations and helpers shared by the integration tests. */
final class Clients {

  /** Every test value contains this; it must never appear in what the broker stores. */
  static final String MARKER = "SECRET-PLAINTEXT-MARKER-91c2";

  private Clients() {}

  static String unique(String prefix) {
    return TestClients.unique(prefix);
  }

  /** The envelope settings: in-memory KMS {@code kmsName}, one KEK. */
  static Map<String, Object> envelope(String kmsName) {
    Map<String, Object> m = new HashMap<>();
    m.put("envelope.kms.type", "in-memory");
    m.put("envelope.kms.memory.name", kmsName);
    m.put("envelope.kek.id", "it-kek");
    m.put("envelope.inner.serializer", StringSerializer.class.getName());
    m.put("envelope.inner.deserializer", StringDeserializer.class.getName());
    return m;
  }

  static Map<String, Object> producerConfig(KafkaBroker broker, Map<String, Object> envelope) {
    return TestClients.producerConfig(broker, envelope, EncryptingSerializer.class.getName());
  }

  static KafkaProducer<String, String> producer(KafkaBroker broker, Map<String, Object> envelope) {
    return new KafkaProducer<>(producerConfig(broker, envelope));
  }

  static Map<String, Object> consumerConfig(KafkaBroker broker, Map<String, Object> envelope,
      String group) {
    Map<String, Object> m = TestClients.consumerConfig(broker, envelope,
        DecryptingDeserializer.class.getName());
    m.put(ConsumerConfig.GROUP_ID_CONFIG, group);
    return m;
  }

  static KafkaConsumer<String, String> consumer(KafkaBroker broker, Map<String, Object> envelope) {
    return new KafkaConsumer<>(consumerConfig(broker, envelope, unique("group")));
  }

  static KafkaConsumer<byte[], byte[]> rawConsumer(KafkaBroker broker) {
    return TestClients.rawConsumer(broker);
  }

  static <K, V> List<ConsumerRecord<K, V>> drain(KafkaConsumer<K, V> consumer, String topic,
      int expected) {
    return TestClients.drain(consumer, topic, expected);
  }

  static <K, V> List<ConsumerRecord<K, V>> pollUntil(KafkaConsumer<K, V> consumer,
      Predicate<List<ConsumerRecord<K, V>>> done) {
    return TestClients.pollUntil(consumer, done);
  }

  static <K, V> List<ConsumerRecord<K, V>> drainToEnd(KafkaBroker broker,
      KafkaConsumer<K, V> consumer, String topic) {
    return TestClients.drainToEnd(broker, consumer, topic);
  }

  static void assertAllAcked(List<Future<RecordMetadata>> sends) {
    TestClients.assertAllAcked(sends);
  }

  static boolean contains(byte[] haystack, String needle) {
    return TestClients.contains(haystack, needle);
  }
}
