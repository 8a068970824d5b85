package io.kafkaenvelope.it;

import static io.kafkaenvelope.it.Clients.MARKER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.kafkaenvelope.testing.KafkaBroker;
import io.kafkaenvelope.testing.KafkaExtension;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Regression tests, through the broker, for defects users hit with the documented settings. */
class ProducerDefectsTest {

  @RegisterExtension static final KafkaExtension KAFKA = new KafkaExtension();

  @TempDir Path keysets;

  private KafkaBroker broker() {
    return KAFKA.broker();
  }

  /**
   * Issue 12, defect 1: twelve producers with the local KMS and {@code create.missing=true} (as
   * examples/config/local-producer.properties has it) that each send their first record to a new
   * topic at the same moment, over several rounds: every acknowledged record must decrypt.
   */
  @Test
  void producersRacingOnANewLocalKekLoseNoRecord() throws Exception {
    Map<String, Object> local = new HashMap<>(Clients.envelope("unused"));
    local.put("envelope.kms.type", "local");
    local.remove("envelope.kms.memory.name");
    local.put("envelope.kms.local.keyset.dir", keysets.toString());
    local.put("envelope.kms.local.create.missing", true);
    local.remove("envelope.kek.id");
    local.put("envelope.kek.id.template", "race-${topic}");
    int producers = 12;
    int rounds = 5;
    ExecutorService pool = Executors.newFixedThreadPool(producers);
    try {
      for (int round = 0; round < rounds; round++) {
        String topic = Clients.unique("race");
        broker().createTopic(topic, 1);
        CyclicBarrier start = new CyclicBarrier(producers);
        List<Future<?>> sent = new ArrayList<>();
        for (int i = 0; i < producers; i++) {
          String value = MARKER + "-" + i;
          sent.add(pool.submit(() -> {
            try (KafkaProducer<String, String> p = Clients.producer(broker(), local)) {
              start.await();
              p.send(new ProducerRecord<>(topic, value)).get(60, TimeUnit.SECONDS);
            }
            return null;
          }));
        }
        for (Future<?> f : sent) {
          f.get(120, TimeUnit.SECONDS);
        }
        Map<String, Object> reader = new HashMap<>(local);
        reader.put("envelope.kms.local.create.missing", false);
        try (KafkaConsumer<String, String> c = Clients.consumer(broker(), reader)) {
          Set<String> got = new TreeSet<>();
          for (ConsumerRecord<String, String> r : Clients.drain(c, topic, producers)) {
            got.add(r.value());
          }
          assertEquals(producers, got.size(), "round " + round + ": every record decrypts");
        }
      }
    } finally {
      pool.shutdownNow();
    }
  }

  /**
   * Issue 12, defect 2: KafkaProducer makes a record's headers read-only once it has serialized it,
   * and sending the same ProducerRecord again failed with "RecordHeaders has been closed". It must
   * encrypt again (a fresh nonce) and go out, in header and inline framing, with or without a
   * clear prefix or compression, and from a new transaction after an abort.
   */
  @ParameterizedTest
  @ValueSource(strings = {"headers", "inline", "headers-rotating", "headers-compressed"})
  void aProducerRecordSentTwiceIsEncryptedTwice(String mode) throws Exception {
    String topic = Clients.unique("resend");
    broker().createTopic(topic, 1);
    Map<String, Object> env = Clients.envelope(Clients.unique("kms"));
    env.put("envelope.framing", mode.equals("inline") ? "inline" : "headers");
    if (mode.equals("headers-rotating")) {
      env.put("envelope.dek.max.records", 1L); // the resend is under another DEK: new header
    }
    if (mode.equals("headers-compressed")) {
      env.put("envelope.compression.type", "gzip");
    }
    String value = MARKER + " ".repeat(200) + MARKER;
    try (KafkaProducer<String, String> p = Clients.producer(broker(), env)) {
      ProducerRecord<String, String> rec = new ProducerRecord<>(topic, "k", value);
      p.send(rec).get(30, TimeUnit.SECONDS);
      p.send(rec).get(30, TimeUnit.SECONDS);
    }
    try (KafkaConsumer<byte[], byte[]> raw = Clients.rawConsumer(broker())) {
      List<ConsumerRecord<byte[], byte[]>> stored = Clients.drain(raw, topic, 2);
      assertFalse(Clients.contains(stored.get(0).value(), MARKER));
      assertFalse(Clients.contains(stored.get(1).value(), MARKER));
      assertNotEquals(java.util.HexFormat.of().formatHex(stored.get(0).value()),
          java.util.HexFormat.of().formatHex(stored.get(1).value()), "encrypted afresh");
    }
    try (KafkaConsumer<String, String> c = Clients.consumer(broker(), env)) {
      List<String> got = Clients.drain(c, topic, 2).stream().map(ConsumerRecord::value).toList();
      assertEquals(List.of(value, value), got);
    }
  }

  @Test
  void recordsOfAnAbortedTransactionCanBeSentAgainInANewOne() throws Exception {
    String topic = Clients.unique("resend-tx");
    broker().createTopic(topic, 1);
    Map<String, Object> env = Clients.envelope(Clients.unique("kms"));
    Map<String, Object> cfg = Clients.producerConfig(broker(), env);
    cfg.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, Clients.unique("tx-id"));
    List<ProducerRecord<String, String>> batch = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      batch.add(new ProducerRecord<>(topic, "k" + i, MARKER + i));
    }
    try (KafkaProducer<String, String> p = new KafkaProducer<>(cfg)) {
      p.initTransactions();
      p.beginTransaction();
      batch.forEach(p::send);
      p.flush();
      p.abortTransaction();
      p.beginTransaction();
      batch.forEach(p::send); // the same objects, their headers now read-only
      p.commitTransaction();
    }
    Map<String, Object> cc = Clients.consumerConfig(broker(), env, Clients.unique("g"));
    cc.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    try (KafkaConsumer<String, String> c = new KafkaConsumer<>(cc)) {
      List<String> got = Clients.drain(c, topic, 10).stream().map(ConsumerRecord::value).toList();
      assertEquals(batch.stream().map(ProducerRecord::value).toList(), got);
    }
  }
}
