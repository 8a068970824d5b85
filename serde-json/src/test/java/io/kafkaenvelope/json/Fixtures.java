package io.kafkaenvelope.json;

import io.kafkaenvelope.testing.KafkaBroker;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** Records and client settings shared by the tests. */
final class Fixtures {

  /** Every test record carries this; it must never reach the broker or a log line. */
  static final String MARKER = "JSON-PLAINTEXT-MARKER-8b2c";

  private static final AtomicInteger SEQ = new AtomicInteger();

  private Fixtures() {}

  static String unique(String prefix) {
    return prefix + "-" + SEQ.incrementAndGet();
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
    Map<String, Object> m = new HashMap<>(settings);
    m.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    m.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    m.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, valueSerializer);
    m.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    return m;
  }

  static Map<String, Object> consumer(KafkaBroker broker, Map<String, Object> settings,
      String valueDeserializer) {
    Map<String, Object> m = new HashMap<>(settings);
    m.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    m.put(ConsumerConfig.GROUP_ID_CONFIG, unique("group"));
    m.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    m.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    m.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, valueDeserializer);
    return m;
  }

  /** A consumer that sees the stored bytes as the broker holds them. */
  static KafkaConsumer<byte[], byte[]> raw(KafkaBroker broker) {
    Map<String, Object> m = new HashMap<>();
    m.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    m.put(ConsumerConfig.GROUP_ID_CONFIG, unique("raw"));
    m.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    return new KafkaConsumer<>(m, new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }

  /** Polls {@code topic} until {@code expected} records arrived or 30 s passed. */
  static <K, V> List<ConsumerRecord<K, V>> drain(KafkaConsumer<K, V> consumer, String topic,
      int expected) {
    consumer.subscribe(List.of(topic));
    List<ConsumerRecord<K, V>> out = new ArrayList<>();
    long deadline = System.currentTimeMillis() + 30_000;
    while (out.size() < expected && System.currentTimeMillis() < deadline) {
      consumer.poll(Duration.ofMillis(200)).forEach(out::add);
    }
    return out;
  }

  static boolean contains(byte[] haystack, String needle) {
    return haystack != null
        && new String(haystack, StandardCharsets.ISO_8859_1).contains(needle);
  }
}
