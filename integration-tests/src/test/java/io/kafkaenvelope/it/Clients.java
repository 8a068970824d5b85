package io.kafkaenvelope.it;

import io.kafkaenvelope.serde.DecryptingDeserializer;
import io.kafkaenvelope.serde.EncryptingSerializer;
import io.kafkaenvelope.testing.KafkaBroker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** Client configurations and helpers shared by the integration tests. */
final class Clients {

  /** Every test value contains this; it must never appear in what the broker stores. */
  static final String MARKER = "SECRET-PLAINTEXT-MARKER-91c2";

  private static final AtomicInteger SEQ = new AtomicInteger();

  private Clients() {}

  static String unique(String prefix) {
    return prefix + "-" + SEQ.incrementAndGet();
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
    Map<String, Object> m = new HashMap<>(envelope);
    m.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    m.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    m.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, EncryptingSerializer.class.getName());
    m.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    return m;
  }

  static KafkaProducer<String, String> producer(KafkaBroker broker, Map<String, Object> envelope) {
    return new KafkaProducer<>(producerConfig(broker, envelope));
  }

  static Map<String, Object> consumerConfig(KafkaBroker broker, Map<String, Object> envelope,
      String group) {
    Map<String, Object> m = new HashMap<>(envelope);
    m.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    m.put(ConsumerConfig.GROUP_ID_CONFIG, group);
    m.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    m.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    m.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, DecryptingDeserializer.class.getName());
    return m;
  }

  static KafkaConsumer<String, String> consumer(KafkaBroker broker, Map<String, Object> envelope) {
    return new KafkaConsumer<>(consumerConfig(broker, envelope, unique("group")));
  }

  /** A consumer that sees the stored bytes, as the broker holds them. */
  static KafkaConsumer<byte[], byte[]> rawConsumer(KafkaBroker broker) {
    Map<String, Object> m = new HashMap<>();
    m.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    m.put(ConsumerConfig.GROUP_ID_CONFIG, unique("raw"));
    m.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    m.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    return new KafkaConsumer<>(m, new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }

  /** Polls {@code topic} until {@code expected} records arrived or 60 s passed. */
  static <K, V> List<ConsumerRecord<K, V>> drain(KafkaConsumer<K, V> consumer, String topic,
      int expected) {
    consumer.subscribe(List.of(topic));
    return pollUntil(consumer, r -> r.size() >= expected);
  }

  static <K, V> List<ConsumerRecord<K, V>> pollUntil(KafkaConsumer<K, V> consumer,
      Predicate<List<ConsumerRecord<K, V>>> done) {
    List<ConsumerRecord<K, V>> out = new ArrayList<>();
    long deadline = System.currentTimeMillis() + 60_000;
    while (!done.test(out) && System.currentTimeMillis() < deadline) {
      consumer.poll(Duration.ofMillis(200)).forEach(out::add);
    }
    return out;
  }

  static boolean contains(byte[] haystack, String needle) {
    return haystack != null
        && new String(haystack, java.nio.charset.StandardCharsets.ISO_8859_1).contains(needle);
  }
}
