package io.kafkaenvelope.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkaenvelope.testing.KafkaBroker;
import io.kafkaenvelope.testing.KafkaExtension;
import io.kafkaenvelope.internal.wire.WireFormat;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The example programs run with the example config files (local KMS) against a real broker, so
 * what the README points users at is known to work. The AWS and Vault files are checked by
 * {@link ExampleConfigFilesTest}; they need a real KMS to run.
 */
class ExamplesTest {

  @RegisterExtension static final KafkaExtension KAFKA = new KafkaExtension();
  @TempDir static Path keys;

  private static final String MARKER = "EXAMPLE-PLAINTEXT-7d1e";

  private static Properties config(String file) throws Exception {
    Properties p = ExampleConfig.load("config/" + file);
    p.setProperty("bootstrap.servers", KAFKA.broker().bootstrapServers());
    p.setProperty("envelope.kms.local.keyset.dir", keys.toString());
    return p;
  }

  @BeforeAll
  static void topics() {
    KafkaBroker broker = KAFKA.broker();
    broker.createTopic("orders", 2);
    broker.createTopic("payments", 2);
    broker.createTopic("totals", 2);
  }

  @Test
  void producerAndConsumerExamplesRoundTripThroughTheBroker() throws Exception {
    List<String> lines = List.of("alice\t" + MARKER + " 1", "bob\t" + MARKER + " 2",
        MARKER + " no key");
    assertEquals(3, ExampleProducer.send(config("local-producer.properties"), "orders", lines));

    List<String> read = new ArrayList<>();
    ExampleConsumer.read(config("local-consumer.properties"), "orders", 3,
        r -> read.add(r.key() == null ? r.value() : r.key() + "\t" + r.value()));
    assertEquals(lines.stream().sorted().toList(), read.stream().sorted().toList());

    for (ConsumerRecord<byte[], byte[]> r : raw("orders", 3)) {
      assertFalse(new String(r.value(), StandardCharsets.ISO_8859_1).contains(MARKER));
      assertTrue(r.headers().lastHeader(WireFormat.VALUE_HEADER) != null);
    }
  }

  @Test
  void streamsExampleSumsEncryptedPaymentsIntoEncryptedTotals() throws Exception {
    Properties props = config("streams.properties");
    props.setProperty(StreamsConfig.STATE_DIR_CONFIG,
        Files.createTempDirectory("streams-example").toString());
    props.setProperty(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, "100");
    Map<String, Object> map = new HashMap<>();
    props.stringPropertyNames().forEach(n -> map.put(n, props.getProperty(n)));

    Properties producer = config("local-producer.properties");
    producer.setProperty("envelope.kek.id", props.getProperty("envelope.kek.id"));
    List<String> payments = new ArrayList<>();
    for (int i = 1; i <= 20; i++) {
      payments.add("customer-" + (i % 4) + "\t" + i);
    }
    ExampleProducer.send(producer, "payments", payments);

    Map<String, String> totals = new HashMap<>();
    try (KafkaStreams streams = new KafkaStreams(
        StreamsExample.topology("payments", "totals", map), props)) {
      streams.start();
      Properties consumer = config("local-consumer.properties");
      consumer.setProperty(ConsumerConfig.GROUP_ID_CONFIG, "totals-reader");
      // the totals are encrypted under the Streams app's KEK: the reader names it, as its producer
      consumer.setProperty("envelope.kek.id", props.getProperty("envelope.kek.id"));
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (!totals.equals(expectedTotals()) && System.nanoTime() < deadline) {
        ExampleConsumer.read(consumer, "totals", 1, r -> totals.put(r.key(), r.value()));
      }
    }
    assertEquals(expectedTotals(), totals);
    for (ConsumerRecord<byte[], byte[]> r : raw("payment-totals-totals-changelog", 4)) {
      assertTrue(new String(r.value(), StandardCharsets.ISO_8859_1).contains("\u00feKEV"),
          "the state store changelog holds inline-framed ciphertext");
    }
  }

  /** Sum of i for i in 1..20 grouped by i % 4. */
  private static Map<String, String> expectedTotals() {
    Map<String, String> m = new HashMap<>();
    for (int c = 0; c < 4; c++) {
      long sum = 0;
      for (int i = 1; i <= 20; i++) {
        sum += i % 4 == c ? i : 0;
      }
      m.put("customer-" + c, Long.toString(sum));
    }
    return m;
  }

  private static List<ConsumerRecord<byte[], byte[]>> raw(String topic, int atLeast) {
    Map<String, Object> m = new HashMap<>();
    m.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.broker().bootstrapServers());
    m.put(ConsumerConfig.GROUP_ID_CONFIG, "raw-" + topic);
    m.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(m, new ByteArrayDeserializer(),
        new ByteArrayDeserializer())) {
      c.subscribe(List.of(topic));
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (out.size() < atLeast && System.nanoTime() < deadline) {
        c.poll(Duration.ofMillis(200)).forEach(out::add);
      }
    }
    assertTrue(out.size() >= atLeast, topic + ": " + out.size() + " records");
    return out;
  }
}
