package io.kafkaenvelope.connect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkaenvelope.serde.DecryptingDeserializer;
import io.kafkaenvelope.serde.EncryptingSerializer;
import io.kafkaenvelope.testing.EnvelopeFixtures;
import io.kafkaenvelope.testing.KafkaBroker;
import io.kafkaenvelope.testing.KafkaExtension;
import io.kafkaenvelope.testing.TestClients;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.connect.runtime.rest.entities.ConnectorStateInfo;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A real Connect worker (standalone, in this JVM) with Apache Kafka's FileStream connectors and
 * {@link EncryptingConverter} as their value converter, against the embedded broker: lines of a
 * file go through a source connector into an encrypted topic, and out through sink connectors
 * that decrypt, pass the ciphertext through, or hold a KEK policy the records do not meet.
 */
class FileStreamConnectTest {

  @RegisterExtension
  static final KafkaExtension KAFKA = new KafkaExtension();

  static final String MARKER = "connect-plaintext-marker";
  private static final int LINES = 300;

  private static ConnectWorker worker;

  @BeforeAll
  static void startWorker() {
    worker = ConnectWorker.start(KAFKA.broker().bootstrapServers());
  }

  @AfterAll
  static void stopWorker() {
    if (worker != null) {
      worker.close();
    }
  }

  /** The converter settings under the {@code value.converter.} prefix. */
  static Map<String, String> valueConverter(Map<String, Object> envelope, String... more) {
    Map<String, String> m = new HashMap<>();
    m.put("value.converter", EncryptingConverter.class.getName());
    m.put("value.converter." + EncryptingConverterConfig.INNER_CONVERTER,
        "org.apache.kafka.connect.storage.StringConverter");
    envelope.forEach((k, v) -> m.put("value.converter." + k, String.valueOf(v)));
    for (int i = 0; i < more.length; i += 2) {
      m.put("value.converter." + more[i], more[i + 1]);
    }
    return m;
  }

  private static Map<String, String> sink(String file, String topic, Map<String, String> conv) {
    Map<String, String> m = new HashMap<>(conv);
    m.put("connector.class", "org.apache.kafka.connect.file.FileStreamSinkConnector");
    m.put("tasks.max", "1");
    m.put("file", file);
    m.put("topics", topic);
    return m;
  }

  @Test
  void sourceEncryptsAndSinksDecryptOrStoreCiphertextWithNoLineLostOrDuplicated()
      throws IOException {
    KafkaBroker broker = KAFKA.broker();
    String topic = TestClients.unique("orders");
    broker.createTopic(topic, 1);
    Path keys = worker.file(topic + "-keys");
    String keyDir = "value.converter." + Examples.KEYSET_DIR;
    Map<String, Object> envelope = Examples.localEnvelope(keys);
    List<String> lines = IntStream.range(0, LINES)
        .mapToObj(i -> "order " + i + " card 4111-" + i + " " + MARKER).toList();
    Path input = worker.file(topic + ".in");
    Files.write(input, lines);

    String src = topic + "-source";
    String plain = topic + "-sink";
    String cipher = topic + "-passthrough";
    Path plainOut = worker.file(plain + ".out");
    Path cipherOut = worker.file(cipher + ".out");
    try {
      // the example files, with this test's file, topic and keyset directory
      worker.startConnector(src, Examples.load("file-source-encrypting.properties",
          "file", input.toString(), "topic", topic, keyDir, keys.toString()), 1);

      // the broker holds exactly one encrypted record per line, each with its envelope header
      List<ConsumerRecord<byte[], byte[]>> raw;
      try (KafkaConsumer<byte[], byte[]> c = TestClients.rawConsumer(broker)) {
        TestClients.pollUntil(assign(c, topic), r -> r.size() >= LINES);
        raw = TestClients.drainToEnd(broker, c, topic);
      }
      assertEquals(LINES, raw.size(), "records on the broker");
      for (ConsumerRecord<byte[], byte[]> r : raw) {
        assertFalse(TestClients.contains(r.value(), MARKER), "plaintext on the broker");
        assertFalse(TestClients.contains(r.value(), "order "), "plaintext on the broker");
        assertNotNull(r.headers().lastHeader("kafka-envelope.value"), "envelope header");
      }

      worker.startConnector(plain, Examples.load("file-sink-decrypting.properties",
          "file", plainOut.toString(), "topics", topic, keyDir, keys.toString()), 1);
      worker.startConnector(cipher, Examples.load("file-sink-passthrough.properties",
          "file", cipherOut.toString(), "topics", topic), 1);
      awaitCommitted(broker, "connect-" + plain, topic, LINES);
      awaitCommitted(broker, "connect-" + cipher, topic, LINES);

      // every line arrived once, in order (the sink flushes its file before committing)
      assertEquals(lines, ConnectWorker.readLines(plainOut));

      List<String> stored = ConnectWorker.readLines(cipherOut);
      assertEquals(LINES, stored.size(), "pass-through lines");
      List<String> decrypted = new ArrayList<>();
      try (DecryptingDeserializer<String> d =
          new DecryptingDeserializer<>(new StringDeserializer())) {
        d.configure(envelope, false);
        for (String line : stored) {
          assertFalse(line.contains(MARKER), "the pass-through sink stored plaintext");
          // a self-contained envelope: no record headers needed to decrypt it
          decrypted.add(d.deserialize(topic, Base64.getDecoder().decode(line)));
        }
      }
      // what the source's inner JsonConverter (schemas.enable=false) made of each line
      assertEquals(lines.stream().map(l -> '"' + l + '"').toList(), decrypted);
    } finally {
      deleteQuietly(src);
      deleteQuietly(plain);
      deleteQuietly(cipher);
    }
  }

  @Test
  void aSinkWhoseKekPolicyRefusesTheRecordsFailsItsTaskAndWritesNothing() {
    KafkaBroker broker = KAFKA.broker();
    String topic = TestClients.unique("payments");
    broker.createTopic(topic, 1);
    Map<String, Object> envelope = EnvelopeFixtures.inMemoryEnvelope("connect-refused");
    Map<String, Object> producer = new HashMap<>(envelope);
    producer.put("envelope.inner.serializer", StringSerializer.class.getName());
    try (KafkaProducer<String, String> p = EnvelopeFixtures.newProducer(broker, producer,
        EncryptingSerializer.class.getName())) {
      List<Future<RecordMetadata>> sends = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        sends.add(p.send(new ProducerRecord<>(topic, "payment " + i + " " + MARKER)));
      }
      TestClients.assertAllAcked(sends);
    }
    // the same KMS, but this sink accepts only another KEK (say, another team's)
    Map<String, Object> other = new HashMap<>(envelope);
    other.put("envelope.kek.id", "another-teams-kek");
    String name = topic + "-sink";
    Path out = worker.file(name + ".out");
    try {
      worker.createConnector(name, sink(out.toString(), topic, valueConverter(other)));
      ConnectorStateInfo state = worker.awaitState(name, s -> s.tasks().size() == 1
          && "FAILED".equals(s.tasks().get(0).state()), "failed");
      String trace = state.tasks().get(0).trace();
      assertTrue(trace.contains("KEK_NOT_ALLOWED"), trace);
      assertFalse(trace.contains(MARKER), "plaintext in the task's error");
      assertEquals(List.of(), ConnectWorker.readLines(out), "the sink wrote something");
    } finally {
      deleteQuietly(name);
    }
  }

  private static <K, V> KafkaConsumer<K, V> assign(KafkaConsumer<K, V> c, String topic) {
    c.assign(List.of(new TopicPartition(topic, 0)));
    c.seekToBeginning(List.of(new TopicPartition(topic, 0)));
    return c;
  }

  /** Waits until {@code group} has committed offset {@code offset} on partition 0. */
  static void awaitCommitted(KafkaBroker broker, String group, String topic, long offset) {
    TopicPartition tp = new TopicPartition(topic, 0);
    long deadline = System.currentTimeMillis() + 60_000;
    long last = -1;
    while (System.currentTimeMillis() < deadline) {
      try {
        Map<TopicPartition, OffsetAndMetadata> m = broker.admin()
            .listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata()
            .get(10, TimeUnit.SECONDS);
        OffsetAndMetadata o = m.get(tp);
        last = o == null ? -1 : o.offset();
        if (last >= offset) {
          assertEquals(offset, last, group + " committed past the end");
          return;
        }
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      } catch (Exception e) {
        throw new AssertionError("offsets of " + group + ": " + e, e);
      }
    }
    throw new AssertionError(group + " committed " + last + ", not " + offset + ", in 60 s");
  }

  private static void deleteQuietly(String connector) {
    try {
      worker.deleteConnector(connector);
    } catch (AssertionError notCreated) {
      // the test failed before creating it
    }
  }

}
