package io.kafkaenvelope.testing;

import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.errors.RecordDeserializationException;

/**
 * What the format modules' broker tests share: envelope settings against a fresh in-memory KMS and
 * short names for the {@link TestClients} helpers. A module's own {@code Fixtures} extends this
 * class and adds its format's records and schemas, so its tests call {@code Fixtures.drain(...)}
 * and {@code Fixtures.v1(...)} alike. Plain maps and strings: no serde-core types here.
 */
public class EnvelopeFixtures {

  protected EnvelopeFixtures() {}

  /**
   * Envelope settings against a fresh in-memory KMS (a unique {@code <name>-kms...} instance) and
   * the KEK {@code <name>-kek}. A new, mutable map on every call.
   */
  public static Map<String, Object> inMemoryEnvelope(String name) {
    Map<String, Object> m = new HashMap<>();
    m.put("envelope.kms.type", "in-memory");
    m.put("envelope.kms.memory.name", unique(name + "-kms"));
    m.put("envelope.kek.id", name + "-kek");
    return m;
  }

  public static String unique(String prefix) {
    return TestClients.unique(prefix);
  }

  public static Map<String, Object> producer(KafkaBroker broker, Map<String, Object> settings,
      String valueSerializer) {
    return TestClients.producerConfig(broker, settings, valueSerializer);
  }

  public static Map<String, Object> consumer(KafkaBroker broker, Map<String, Object> settings,
      String valueDeserializer) {
    return TestClients.consumerConfig(broker, settings, valueDeserializer);
  }

  /** A producer with String keys and {@code valueSerializer}, over {@link #producer}. */
  public static <V> KafkaProducer<String, V> newProducer(KafkaBroker broker,
      Map<String, Object> settings, String valueSerializer) {
    return new KafkaProducer<>(producer(broker, settings, valueSerializer));
  }

  /** A consumer with String keys and {@code valueDeserializer}, over {@link #consumer}. */
  public static <V> KafkaConsumer<String, V> newConsumer(KafkaBroker broker,
      Map<String, Object> settings, String valueDeserializer) {
    return new KafkaConsumer<>(consumer(broker, settings, valueDeserializer));
  }

  public static KafkaConsumer<byte[], byte[]> raw(KafkaBroker broker) {
    return TestClients.rawConsumer(broker);
  }

  public static <K, V> List<ConsumerRecord<K, V>> drain(KafkaConsumer<K, V> consumer,
      String topic, int expected) {
    return TestClients.drain(consumer, topic, expected);
  }

  /**
   * Polls {@code consumer} for up to 30 s and returns the {@link RecordDeserializationException}
   * a poll throws (a record the deserializer refused); fails the test when none is thrown.
   */
  public static RecordDeserializationException pollUntilRefused(KafkaConsumer<?, ?> consumer) {
    return assertThrows(RecordDeserializationException.class, () -> {
      long deadline = System.currentTimeMillis() + 30_000;
      while (System.currentTimeMillis() < deadline) {
        consumer.poll(Duration.ofMillis(200));
      }
    });
  }

  public static boolean contains(byte[] haystack, String needle) {
    return TestClients.contains(haystack, needle);
  }
}
