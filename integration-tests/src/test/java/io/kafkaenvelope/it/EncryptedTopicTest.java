package io.kafkaenvelope.it;

import static io.kafkaenvelope.it.Clients.MARKER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkaenvelope.kms.memory.InMemoryKms;
import io.kafkaenvelope.serde.DecryptingDeserializer;
import io.kafkaenvelope.serde.EncryptingSerializer;
import io.kafkaenvelope.serde.EnvelopeException;
import io.kafkaenvelope.serde.PlaintextKeyPartitioner;
import io.kafkaenvelope.testing.KafkaBroker;
import io.kafkaenvelope.testing.KafkaExtension;
import io.kafkaenvelope.internal.wire.EnvelopeHeader;
import io.kafkaenvelope.internal.wire.WireFormat;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RecordDeserializationException;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Producers and consumers with the encrypting serdes against a real broker. */
class EncryptedTopicTest {

  @RegisterExtension static final KafkaExtension KAFKA = new KafkaExtension();

  private final String kmsName = Clients.unique("kms");
  private final Map<String, Object> envelope = Clients.envelope(kmsName);

  private KafkaBroker broker() {
    return KAFKA.broker();
  }

  @Test
  void brokerStoresOnlyCiphertextAndConsumersGetEveryRecordBack() throws Exception {
    String topic = Clients.unique("orders");
    broker().createTopic(topic, 3);
    List<String> sent = new ArrayList<>();
    List<Future<RecordMetadata>> sends = new ArrayList<>();
    try (KafkaProducer<String, String> p = Clients.producer(broker(), envelope)) {
      for (int i = 0; i < 600; i++) {
        String v = MARKER + " order " + i;
        sent.add(v);
        sends.add(p.send(new ProducerRecord<>(topic, "k" + (i % 17), v)));
      }
      p.flush();
    }
    Clients.assertAllAcked(sends);
    try (KafkaConsumer<byte[], byte[]> raw = Clients.rawConsumer(broker())) {
      List<ConsumerRecord<byte[], byte[]>> stored = Clients.drain(raw, topic, 600);
      assertEquals(600, stored.size());
      Set<String> deks = new HashSet<>();
      for (ConsumerRecord<byte[], byte[]> r : stored) {
        assertFalse(Clients.contains(r.value(), MARKER), "plaintext on the broker");
        assertNotNull(r.headers().lastHeader(WireFormat.VALUE_HEADER), "envelope header");
        EnvelopeHeader h =
            EnvelopeHeader.parse(r.headers().lastHeader(WireFormat.VALUE_HEADER).value());
        assertEquals(topic, h.topic());
        assertEquals("it-kek", h.kekId());
        deks.add(h.dekIdHex());
      }
      assertEquals(1, deks.size(), "one producer, one DEK");
    }
    try (KafkaConsumer<String, String> c = Clients.consumer(broker(), envelope)) {
      List<ConsumerRecord<String, String>> got = Clients.drain(c, topic, 600);
      assertEquals(checksum(sent), checksum(got.stream().map(ConsumerRecord::value).toList()));
    }
    InMemoryKms kms = InMemoryKms.named(kmsName);
    assertEquals(1, kms.generateCalls(), "one KMS call for the producer");
    assertEquals(1, kms.unwrapCalls(), "one KMS call for the consumer");
  }

  @ParameterizedTest(name = "compression={0}")
  @ValueSource(strings = {"none", "gzip", "snappy", "lz4", "zstd"})
  void everyCompressionCodec(String codec) {
    String topic = Clients.unique("codec-" + codec);
    broker().createTopic(topic, 1);
    Map<String, Object> producerConfig = Clients.producerConfig(broker(), envelope);
    producerConfig.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, codec);
    producerConfig.put(ProducerConfig.LINGER_MS_CONFIG, 20);
    List<String> sent = new ArrayList<>();
    List<Future<RecordMetadata>> sends = new ArrayList<>();
    try (KafkaProducer<String, String> p = new KafkaProducer<>(producerConfig)) {
      for (int i = 0; i < 300; i++) {
        String v = MARKER + " " + codec + " " + i + " " + "x".repeat(i % 50);
        sent.add(v);
        sends.add(p.send(new ProducerRecord<>(topic, v)));
      }
    }
    Clients.assertAllAcked(sends);
    try (KafkaConsumer<byte[], byte[]> raw = Clients.rawConsumer(broker())) {
      for (ConsumerRecord<byte[], byte[]> r : Clients.drain(raw, topic, 300)) {
        assertFalse(Clients.contains(r.value(), MARKER));
      }
    }
    try (KafkaConsumer<String, String> c = Clients.consumer(broker(), envelope)) {
      List<String> got = Clients.drain(c, topic, 300).stream().map(ConsumerRecord::value).toList();
      assertEquals(sent, got, "order and content within the partition");
    }
  }

  @Test
  void idempotentAndTransactionalProducersWithReadCommitted() throws Exception {
    String topic = Clients.unique("tx");
    broker().createTopic(topic, 2);
    Map<String, Object> cfg = Clients.producerConfig(broker(), envelope);
    cfg.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    cfg.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, Clients.unique("tx-id"));
    try (KafkaProducer<String, String> p = new KafkaProducer<>(cfg)) {
      p.initTransactions();
      p.beginTransaction();
      for (int i = 0; i < 50; i++) {
        p.send(new ProducerRecord<>(topic, "committed-" + i));
      }
      p.commitTransaction();
      p.beginTransaction();
      for (int i = 0; i < 50; i++) {
        p.send(new ProducerRecord<>(topic, "aborted-" + i));
      }
      p.flush();
      p.abortTransaction();
      p.beginTransaction();
      p.send(new ProducerRecord<>(topic, "last"));
      p.commitTransaction();
    }
    Map<String, Object> cc = Clients.consumerConfig(broker(), envelope, Clients.unique("g"));
    cc.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    try (KafkaConsumer<String, String> c = new KafkaConsumer<>(cc)) {
      List<String> got = Clients.drainToEnd(broker(), c, topic).stream().map(ConsumerRecord::value)
          .toList();
      assertEquals(51, got.size(), "committed records only: " + got.size());
      assertTrue(got.stream().noneMatch(v -> v.startsWith("aborted")));
      assertTrue(got.contains("last"));
    }
  }

  @Test
  void rotationMidStreamAndTwoProducersInterleavedInOnePartition() {
    String topic = Clients.unique("rotation");
    broker().createTopic(topic, 1);
    Map<String, Object> rotating = new HashMap<>(envelope);
    rotating.put("envelope.dek.max.records", 100L);
    List<String> sent = new ArrayList<>();
    try (KafkaProducer<String, String> a = Clients.producer(broker(), rotating);
        KafkaProducer<String, String> b = Clients.producer(broker(), rotating)) {
      for (int i = 0; i < 350; i++) {
        String va = "a-" + i;
        String vb = "b-" + i;
        sent.add(va);
        sent.add(vb);
        a.send(new ProducerRecord<>(topic, va));
        b.send(new ProducerRecord<>(topic, vb));
        if (i % 25 == 0) {
          a.flush();
          b.flush();
        }
      }
    }
    Set<String> deks = new HashSet<>();
    try (KafkaConsumer<byte[], byte[]> raw = Clients.rawConsumer(broker())) {
      for (ConsumerRecord<byte[], byte[]> r : Clients.drain(raw, topic, 700)) {
        deks.add(EnvelopeHeader.parse(r.headers().lastHeader(WireFormat.VALUE_HEADER).value())
            .dekIdHex());
      }
    }
    assertEquals(8, deks.size(), "two producers x 4 DEKs each (350 records at 100 per DEK)");
    // A group that stops part-way and comes back with two members resumes and reads everything.
    String group = Clients.unique("group");
    Set<String> got = new TreeSet<>();
    Map<String, Object> cc = Clients.consumerConfig(broker(), envelope, group);
    cc.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 50);
    cc.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    try (KafkaConsumer<String, String> first = new KafkaConsumer<>(cc)) {
      first.subscribe(List.of(topic));
      List<ConsumerRecord<String, String>> part = Clients.pollUntil(first, r -> r.size() >= 200);
      part.forEach(r -> got.add(r.value()));
      first.commitSync();
    }
    int before = got.size();
    // Both members poll until everything is read and the group has settled with both in one
    // generation. Stopping while the second member's join is still pending left the group
    // rebalancing, and closing the other member then waited its whole 30 s close timeout.
    int[] generation = {-1, -1};
    try (KafkaConsumer<String, String> second = new KafkaConsumer<>(cc);
        KafkaConsumer<String, String> third = new KafkaConsumer<>(cc)) {
      second.subscribe(List.of(topic), onAssigned(() -> generation[0] =
          second.groupMetadata().generationId()));
      third.subscribe(List.of(topic), onAssigned(() -> generation[1] =
          third.groupMetadata().generationId()));
      long deadline = System.currentTimeMillis() + 60_000;
      while ((got.size() < 700 || generation[0] < 0 || generation[0] != generation[1])
          && System.currentTimeMillis() < deadline) {
        second.poll(Duration.ofMillis(100)).forEach(r -> got.add(r.value()));
        third.poll(Duration.ofMillis(100)).forEach(r -> got.add(r.value()));
      }
    }
    assertTrue(generation[0] > 0 && generation[0] == generation[1],
        "both members joined one generation: " + Arrays.toString(generation));
    assertTrue(before >= 200 && before < 700, "first member read part: " + before);
    assertEquals(new TreeSet<>(sent), got);
  }

  @Test
  void encryptedKeysAndValuesWithPlaintextKeyPartitioning() {
    String topic = Clients.unique("keys");
    int partitions = 4;
    broker().createTopic(topic, partitions);
    Map<String, Object> cfg = Clients.producerConfig(broker(), envelope);
    cfg.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, EncryptingSerializer.class.getName());
    cfg.put(ProducerConfig.PARTITIONER_CLASS_CONFIG, PlaintextKeyPartitioner.class.getName());
    List<Future<RecordMetadata>> sends = new ArrayList<>();
    try (KafkaProducer<String, String> p = new KafkaProducer<>(cfg)) {
      for (int i = 0; i < 200; i++) {
        sends.add(p.send(new ProducerRecord<>(topic, "customer-" + (i % 10), MARKER + " v" + i)));
      }
    }
    Clients.assertAllAcked(sends);
    try (KafkaConsumer<byte[], byte[]> raw = Clients.rawConsumer(broker())) {
      List<ConsumerRecord<byte[], byte[]>> stored = Clients.drain(raw, topic, 200);
      assertEquals(200, stored.size());
      for (ConsumerRecord<byte[], byte[]> r : stored) {
        assertFalse(Clients.contains(r.key(), "customer-"), "key in plaintext on the broker");
        assertFalse(Clients.contains(r.value(), MARKER));
        assertNotNull(r.headers().lastHeader(WireFormat.KEY_HEADER));
        assertNotNull(r.headers().lastHeader(WireFormat.VALUE_HEADER));
      }
    }
    Map<String, Object> cc = Clients.consumerConfig(broker(), envelope, Clients.unique("g"));
    cc.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, DecryptingDeserializer.class.getName());
    try (KafkaConsumer<String, String> c = new KafkaConsumer<>(cc)) {
      List<ConsumerRecord<String, String>> got = Clients.drain(c, topic, 200);
      assertEquals(200, got.size());
      for (ConsumerRecord<String, String> r : got) {
        assertTrue(r.key().startsWith("customer-"));
        int expected = Utils.toPositive(Utils.murmur2(r.key().getBytes(
            java.nio.charset.StandardCharsets.UTF_8))) % partitions;
        assertEquals(expected, r.partition(), "key " + r.key() + " on its plaintext partition");
      }
    }
  }

  @Test
  void migrationTopicPlaintextThenEncrypted() {
    String topic = Clients.unique("migration");
    broker().createTopic(topic, 1);
    Map<String, Object> plainCfg = Clients.producerConfig(broker(), envelope);
    plainCfg.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    try (KafkaProducer<String, String> plain = new KafkaProducer<>(plainCfg);
        KafkaProducer<String, String> enc = Clients.producer(broker(), envelope)) {
      for (int i = 0; i < 10; i++) {
        plain.send(new ProducerRecord<>(topic, "legacy-" + i));
      }
      plain.flush();
      for (int i = 0; i < 10; i++) {
        enc.send(new ProducerRecord<>(topic, "encrypted-" + i));
      }
    }
    Map<String, Object> allow = new HashMap<>(envelope);
    allow.put("envelope.plaintext.policy", "allow");
    try (KafkaConsumer<String, String> c = Clients.consumer(broker(), allow)) {
      List<String> got = Clients.drain(c, topic, 20).stream().map(ConsumerRecord::value).toList();
      assertEquals(20, got.size());
      assertEquals("legacy-0", got.get(0));
      assertEquals("encrypted-9", got.get(19));
    }
    try (KafkaConsumer<String, String> strict = Clients.consumer(broker(), envelope)) {
      strict.subscribe(List.of(topic));
      RecordDeserializationException e = assertThrows(RecordDeserializationException.class, () -> {
        long deadline = System.currentTimeMillis() + 30_000;
        while (System.currentTimeMillis() < deadline) {
          strict.poll(Duration.ofMillis(200));
        }
      });
      assertEquals(0, e.offset(), "fails on the first plaintext record");
      EnvelopeException cause = assertInstanceOf(EnvelopeException.class, e.getCause());
      assertEquals(EnvelopeException.Reason.PLAINTEXT_REJECTED, cause.reason());
      assertTrue(cause.getMessage().contains(topic), cause.getMessage());
    }
  }

  @Test
  void tombstonesTravelAsNull() {
    String topic = Clients.unique("tombstones");
    broker().createTopic(topic, 1);
    try (KafkaProducer<String, String> p = Clients.producer(broker(), envelope)) {
      p.send(new ProducerRecord<>(topic, "k", "v"));
      p.send(new ProducerRecord<>(topic, "k", null));
    }
    try (KafkaConsumer<byte[], byte[]> raw = Clients.rawConsumer(broker())) {
      List<ConsumerRecord<byte[], byte[]>> stored = Clients.drain(raw, topic, 2);
      assertNull(stored.get(1).value());
      assertNull(stored.get(1).headers().lastHeader(WireFormat.VALUE_HEADER));
    }
    try (KafkaConsumer<String, String> c = Clients.consumer(broker(), envelope)) {
      List<ConsumerRecord<String, String>> got = Clients.drain(c, topic, 2);
      assertEquals("v", got.get(0).value());
      assertNull(got.get(1).value());
    }
  }

  /**
   * The broker restarts while an idempotent producer has requests in flight. Requests the restart
   * cut off may fail (kafka-clients 3.9 then retries on OUT_OF_ORDER_SEQUENCE_NUMBER until their
   * delivery timeout); what must hold is that nothing acknowledged is lost, nothing is stored
   * twice, and once those sends have completed the producer delivers again.
   */
  @Test
  void brokerRestartDuringIdempotentProduceLosesAndDuplicatesNothing() throws Exception {
    String topic = Clients.unique("restart");
    broker().createTopic(topic, 2);
    Map<String, Object> cfg = Clients.producerConfig(broker(), envelope);
    cfg.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    cfg.put(ProducerConfig.ACKS_CONFIG, "all");
    cfg.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 15_000);
    cfg.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000);
    List<Future<RecordMetadata>> around = new ArrayList<>();
    List<Future<RecordMetadata>> after = new ArrayList<>();
    Set<String> sent = new HashSet<>();
    try (KafkaProducer<String, String> p = new KafkaProducer<>(cfg)) {
      for (int i = 0; i < 1000; i++) {
        sent.add("r-" + i);
        around.add(p.send(new ProducerRecord<>(topic, "k" + (i % 7), "r-" + i)));
        if (i == 500) {
          broker().restart(); // returns once the broker leads every partition again
        }
      }
      p.flush(); // every send around the restart is acknowledged or failed
      for (int i = 1000; i < 1500; i++) {
        sent.add("r-" + i);
        after.add(p.send(new ProducerRecord<>(topic, "k" + (i % 7), "r-" + i)));
      }
      p.flush();
    }
    Clients.assertAllAcked(after);
    Set<String> acked = new HashSet<>();
    for (int i = 0; i < around.size(); i++) {
      try {
        around.get(i).get(0, TimeUnit.SECONDS); // flush() completed every one
        acked.add("r-" + i);
      } catch (ExecutionException notAcked) {
        // not acknowledged: may or may not be stored, but never twice
      }
    }
    for (int i = 1000; i < 1500; i++) {
      acked.add("r-" + i);
    }
    try (KafkaConsumer<String, String> c = Clients.consumer(broker(), envelope)) {
      List<String> got = Clients.drainToEnd(broker(), c, topic).stream().map(ConsumerRecord::value)
          .toList();
      assertEquals(new HashSet<>(got).size(), got.size(), "no duplicates");
      assertTrue(new HashSet<>(got).containsAll(acked), "every acknowledged record decrypts");
      assertTrue(sent.containsAll(got), "nothing but what was sent");
    }
  }

  /** A rebalance listener that runs {@code action} after every assignment (empty ones too). */
  private static ConsumerRebalanceListener onAssigned(Runnable action) {
    return new ConsumerRebalanceListener() {
      @Override
      public void onPartitionsRevoked(Collection<TopicPartition> partitions) {}

      @Override
      public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
        action.run();
      }
    };
  }

  private static long checksum(List<String> values) {
    long sum = 0;
    for (String v : values) {
      sum += v.hashCode() * 31L + v.length();
    }
    return sum ^ values.size();
  }
}
