package io.kafkaenvelope.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RecordDeserializationException;
import org.apache.kafka.common.serialization.ByteArraySerializer;

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

  /**
   * The value of the KIP-877 plugin metric {@code name} of the client's value serde
   * ({@code client.metrics()}: group {@code plugins}, tag {@code config=value.serializer} or
   * {@code value.deserializer}) carrying every {@code tag=value} given; fails unless exactly one
   * matches. For the {@code Monitorable*} serdes on kafka-clients 4.1+.
   */
  public static double pluginMetric(
      Map<org.apache.kafka.common.MetricName, ? extends org.apache.kafka.common.Metric> metrics,
      String name, String... tags) {
    java.util.List<Double> values = new java.util.ArrayList<>();
    for (Map.Entry<org.apache.kafka.common.MetricName, ? extends org.apache.kafka.common.Metric> e
        : metrics.entrySet()) {
      org.apache.kafka.common.MetricName n = e.getKey();
      boolean match = n.name().equals(name) && n.group().equals("plugins")
          && n.tags().getOrDefault("config", "").startsWith("value.");
      for (String t : tags) {
        String[] kv = t.split("=", 2);
        match &= kv[1].equals(n.tags().get(kv[0]));
      }
      if (match) {
        values.add(((Number) e.getValue().metricValue()).doubleValue());
      }
    }
    assertEquals(1, values.size(), name + " " + java.util.Arrays.toString(tags));
    return values.get(0);
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

  /**
   * Sends {@code n} records with keys {@code k0..k<n-1>} and values {@code value.apply(i)} through
   * a producer with {@code valueSerializer}, then reads them back raw and fails the test unless
   * exactly {@code n} are stored and no stored value contains any of {@code forbidden} (the
   * plaintext markers). Returns the stored records, for the caller's assertions on the envelope.
   */
  public static <V> List<ConsumerRecord<byte[], byte[]>> sendAndReadRaw(KafkaBroker broker,
      Map<String, Object> settings, String valueSerializer, String topic, int n,
      IntFunction<V> value, String... forbidden) {
    try (KafkaProducer<String, V> p = newProducer(broker, settings, valueSerializer)) {
      for (int i = 0; i < n; i++) {
        p.send(new ProducerRecord<>(topic, "k" + i, value.apply(i)));
      }
      p.flush();
    }
    try (KafkaConsumer<byte[], byte[]> raw = raw(broker)) {
      List<ConsumerRecord<byte[], byte[]>> stored = drain(raw, topic, n);
      assertEquals(n, stored.size(), "records stored");
      for (ConsumerRecord<byte[], byte[]> r : stored) {
        for (String f : forbidden) {
          assertFalse(contains(r.value(), f), "plaintext on the broker: " + f);
        }
      }
      return stored;
    }
  }

  /** Writes {@code records} to the broker as they are, with a byte-array producer (a forger). */
  public static void sendRaw(KafkaBroker broker, List<ProducerRecord<byte[], byte[]>> records) {
    Map<String, Object> pc = new HashMap<>();
    pc.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    try (KafkaProducer<byte[], byte[]> p =
        new KafkaProducer<>(pc, new ByteArraySerializer(), new ByteArraySerializer())) {
      records.forEach(p::send);
      p.flush();
    }
  }

  /** What a consumer returned before a poll refused a record, and that refusal (or null). */
  public record Refusal<V>(List<V> accepted, RecordDeserializationException refused) {}

  /**
   * Subscribes {@code consumer} to {@code topic} and polls for up to 30 s, collecting values,
   * until a poll throws a {@link RecordDeserializationException}.
   */
  public static <V> Refusal<V> pollUntilRefusal(KafkaConsumer<?, V> consumer, String topic) {
    consumer.subscribe(List.of(topic));
    List<V> accepted = new ArrayList<>();
    long deadline = System.currentTimeMillis() + 30_000;
    while (System.currentTimeMillis() < deadline) {
      try {
        consumer.poll(Duration.ofMillis(200)).forEach(r -> accepted.add(r.value()));
      } catch (RecordDeserializationException e) {
        return new Refusal<>(accepted, e);
      }
    }
    return new Refusal<>(accepted, null);
  }

  /**
   * The refusal every KMS module's broker tests check: subscribes {@code consumer} to
   * {@code topic}, polls until a record is refused and asserts that the refused record is at
   * {@code offset} ({@code -1}: any), that its cause is Kafka Envelope's {@code EnvelopeException}
   * with {@code reason} (compared by name: this module does not depend on serde-core), that the
   * message names each of {@code mentions} and that it does not contain {@code marker} (the
   * records' plaintext). Returns the values read before the refusal.
   */
  public static <V> List<V> assertRefused(KafkaConsumer<?, V> consumer, String topic, long offset,
      String reason, String marker, String... mentions) {
    Refusal<V> outcome = pollUntilRefusal(consumer, topic);
    RecordDeserializationException e = outcome.refused();
    assertNotNull(e, "no record of " + topic + " was refused within 30 s");
    if (offset >= 0) {
      assertEquals(offset, e.offset(), "the refused record's offset");
    }
    Throwable cause = e.getCause();
    assertNotNull(cause, "the refusal has a cause");
    assertEquals("io.kafkaenvelope.serde.EnvelopeException", cause.getClass().getName(),
        String.valueOf(cause));
    try {
      assertEquals(reason, String.valueOf(cause.getClass().getMethod("reason").invoke(cause)),
          cause.getMessage());
    } catch (ReflectiveOperationException r) {
      throw new AssertionError("EnvelopeException.reason() could not be read", r);
    }
    for (String m : mentions) {
      assertTrue(cause.getMessage().contains(m), "message names " + m + ": " + cause.getMessage());
    }
    assertFalse(cause.getMessage().contains(marker), "plaintext in the message");
    return outcome.accepted();
  }

  public static boolean contains(byte[] haystack, String needle) {
    return TestClients.contains(haystack, needle);
  }
}
