package io.kafkaenvelope.connect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkaenvelope.serde.DecryptingDeserializer;
import io.kafkaenvelope.serde.EncryptingSerializer;
import io.kafkaenvelope.serde.EnvelopeException;
import io.kafkaenvelope.testing.EmbeddedKafkaBroker;
import io.kafkaenvelope.testing.EnvelopeFixtures;
import io.kafkaenvelope.testing.KafkaBroker;
import io.kafkaenvelope.testing.KafkaExtension;
import io.kafkaenvelope.testing.TestClients;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RecordDeserializationException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.connect.mirror.IdentityReplicationPolicy;
import org.apache.kafka.connect.mirror.RemoteClusterUtils;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * MirrorMaker 2 for real: {@code connect-mirror}'s {@code MirrorSourceConnector} and {@code
 * MirrorCheckpointConnector} in a Connect worker (standalone, in this JVM, as MM2 runs in a
 * Connect cluster) replicate an encrypted topic from one embedded broker (alias {@code source})
 * to another. The mirror copies ciphertext and envelope headers byte for byte; consumers on the
 * target decrypt with the mirror alias configured and are refused without it, and the offsets MM2
 * translates for a consumer group point at records that decrypt.
 */
class MirrorMakerTest {

  /** The source cluster (alias {@code source}). */
  @RegisterExtension
  static final KafkaExtension SOURCE = new KafkaExtension();

  static final String MARKER = "mirror-plaintext-marker";
  private static final int RECORDS = 60;
  private static final int CONSUMED = 40;

  private static EmbeddedKafkaBroker target;
  private static ConnectWorker worker;

  @BeforeAll
  static void startTargetAndWorker() {
    target = EmbeddedKafkaBroker.start();
    worker = ConnectWorker.start(target.bootstrapServers());
  }

  @AfterAll
  static void stop() {
    if (worker != null) {
      worker.close();
    }
    if (target != null) {
      target.close();
    }
  }

  @Test
  void defaultPolicyMirrorsToSourceDotTopicReadableOnlyWithTheAliasAndTranslatedOffsets()
      throws Exception {
    Map<String, Object> envelope = EnvelopeFixtures.inMemoryEnvelope("mm2");
    String topic = TestClients.unique("orders");
    String mirrored = "source." + topic;
    String group = TestClients.unique("billing");
    List<String> lines = produceAndConsume(envelope, topic, group);

    String src = topic + "-mirror";
    String cpt = topic + "-checkpoints";
    try {
      worker.startConnector(src, mirrorSource(topic, null), 1);
      worker.startConnector(cpt, checkpoints(topic, group, null), 1);

      List<ConsumerRecord<byte[], byte[]>> copies = assertCopiedVerbatim(topic, mirrored);
      assertEquals(RECORDS, copies.size());

      // without the alias: the record says it was encrypted for 'orders', not 'source.orders'
      try (KafkaConsumer<String, String> c = targetConsumer(envelope)) {
        c.subscribe(List.of(mirrored));
        RecordDeserializationException refused = EnvelopeFixtures.pollUntilRefused(c);
        EnvelopeException cause = assertInstanceOf(EnvelopeException.class, refused.getCause());
        assertEquals(EnvelopeException.Reason.TOPIC_MISMATCH, cause.reason());
      }

      Map<String, Object> withAlias = new HashMap<>(envelope);
      String aliases = "envelope.provenance.mirror.source.aliases";
      withAlias.put(aliases, Examples.load("mirror-target-consumer.properties").get(aliases));
      try (KafkaConsumer<String, String> c = targetConsumer(withAlias)) {
        assertEquals(lines, values(TestClients.drainToEnd(target, c, mirrored)));
      }

      // the group's position (CONSUMED) translated by MM2's checkpoints
      TopicPartition tp = new TopicPartition(mirrored, 0);
      long translated = awaitTranslated(group, tp, Map.of());
      assertTrue(translated > 0 && translated <= CONSUMED,
          "translated offset " + translated + " within the records the group consumed");
      try (KafkaConsumer<String, String> c = targetConsumer(withAlias)) {
        c.assign(List.of(tp));
        c.seek(tp, translated);
        List<String> rest = values(TestClients.pollUntil(c,
            r -> r.size() >= RECORDS - translated));
        // from the translated offset on, every record decrypts; none after the group's
        // position is skipped (MM2 translates conservatively: at most a few repeats)
        assertEquals(lines.subList((int) translated, RECORDS), rest);
      }
    } finally {
      worker.deleteConnector(cpt);
      worker.deleteConnector(src);
    }
  }

  @Test
  void identityPolicyKeepsTheTopicNameSoTargetConsumersNeedNoAlias() throws Exception {
    Map<String, Object> envelope = EnvelopeFixtures.inMemoryEnvelope("mm2-identity");
    String topic = TestClients.unique("payments");
    String group = TestClients.unique("ledger");
    List<String> lines = produceAndConsume(envelope, topic, group);

    String policy = IdentityReplicationPolicy.class.getName();
    String src = topic + "-mirror";
    String cpt = topic + "-checkpoints";
    try {
      worker.startConnector(src, mirrorSource(topic, policy), 1);
      worker.startConnector(cpt, checkpoints(topic, group, policy), 1);

      assertEquals(RECORDS, assertCopiedVerbatim(topic, topic).size());

      try (KafkaConsumer<String, String> c = targetConsumer(envelope)) {
        assertEquals(lines, values(TestClients.drainToEnd(target, c, topic)));
      }

      // the consumer KEK policy holds on the target too: another KEK is refused before the KMS
      Map<String, Object> otherKek = new HashMap<>(envelope);
      otherKek.put("envelope.kek.id", "some-other-kek");
      try (KafkaConsumer<String, String> c = targetConsumer(otherKek)) {
        c.subscribe(List.of(topic));
        RecordDeserializationException refused = EnvelopeFixtures.pollUntilRefused(c);
        EnvelopeException cause = assertInstanceOf(EnvelopeException.class, refused.getCause());
        assertEquals(EnvelopeException.Reason.KEK_NOT_ALLOWED, cause.reason());
      }

      TopicPartition tp = new TopicPartition(topic, 0);
      long translated = awaitTranslated(group, tp, Map.of("replication.policy.class", policy,
          "source.cluster.alias", "source"));
      assertTrue(translated > 0 && translated <= CONSUMED, "translated offset " + translated);
      try (KafkaConsumer<String, String> c = targetConsumer(envelope)) {
        c.assign(List.of(tp));
        c.seek(tp, translated);
        assertEquals(lines.subList((int) translated, RECORDS), values(TestClients.pollUntil(c,
            r -> r.size() >= RECORDS - translated)));
      }
    } finally {
      worker.deleteConnector(cpt);
      worker.deleteConnector(src);
    }
  }

  /**
   * Produces {@link #RECORDS} encrypted records to {@code topic} on the source cluster and has
   * {@code group} consume and commit the first {@link #CONSUMED} of them there.
   */
  private static List<String> produceAndConsume(Map<String, Object> envelope, String topic,
      String group) {
    KafkaBroker source = SOURCE.broker();
    source.createTopic(topic, 1);
    List<String> lines = IntStream.range(0, RECORDS)
        .mapToObj(i -> topic + " record " + i + " " + MARKER).toList();
    try (KafkaProducer<String, String> p = EnvelopeFixtures.newProducer(source,
        decrypting(envelope), EncryptingSerializer.class.getName())) {
      List<Future<RecordMetadata>> sends = new ArrayList<>();
      for (int i = 0; i < RECORDS; i++) {
        sends.add(p.send(new ProducerRecord<>(topic, "k" + i, lines.get(i))));
      }
      TestClients.assertAllAcked(sends);
    }
    Map<String, Object> consumer = TestClients.consumerConfig(source, decrypting(envelope),
        DecryptingDeserializer.class.getName());
    consumer.put("group.id", group);
    consumer.put("enable.auto.commit", "false");
    try (KafkaConsumer<String, String> c = new KafkaConsumer<>(consumer)) {
      TopicPartition tp = new TopicPartition(topic, 0);
      c.assign(List.of(tp));
      c.seekToBeginning(List.of(tp));
      List<ConsumerRecord<String, String>> read = TestClients.pollUntil(c,
          r -> r.size() >= CONSUMED);
      assertEquals(lines.subList(0, CONSUMED), values(read.subList(0, CONSUMED)));
      c.commitSync(Map.of(tp, new OffsetAndMetadata(CONSUMED)));
    }
    return lines;
  }

  /** The target cluster's copy holds exactly the source's records, byte for byte. */
  private static List<ConsumerRecord<byte[], byte[]>> assertCopiedVerbatim(String topic,
      String mirrored) {
    List<ConsumerRecord<byte[], byte[]>> original;
    try (KafkaConsumer<byte[], byte[]> c = TestClients.rawConsumer(SOURCE.broker())) {
      original = TestClients.drainToEnd(SOURCE.broker(), c, topic);
    }
    List<ConsumerRecord<byte[], byte[]>> copies;
    try (KafkaConsumer<byte[], byte[]> c = TestClients.rawConsumer(target)) {
      awaitTopic(mirrored);
      TopicPartition tp = new TopicPartition(mirrored, 0);
      c.assign(List.of(tp));
      c.seekToBeginning(List.of(tp));
      TestClients.pollUntil(c, r -> r.size() >= original.size());
      copies = TestClients.drainToEnd(target, c, mirrored);
    }
    assertEquals(original.size(), copies.size(), "records on the target");
    for (int i = 0; i < copies.size(); i++) {
      ConsumerRecord<byte[], byte[]> o = original.get(i);
      ConsumerRecord<byte[], byte[]> m = copies.get(i);
      assertFalse(TestClients.contains(m.value(), MARKER), "plaintext on the target");
      assertTrue(Arrays.equals(o.value(), m.value()), "ciphertext copied verbatim");
      assertNotNull(m.headers().lastHeader("kafka-envelope.value"), "envelope header mirrored");
      assertTrue(Arrays.equals(o.headers().lastHeader("kafka-envelope.value").value(),
          m.headers().lastHeader("kafka-envelope.value").value()), "envelope header verbatim");
    }
    return copies;
  }

  private static void awaitTopic(String name) {
    long deadline = System.currentTimeMillis() + 60_000;
    while (System.currentTimeMillis() < deadline) {
      try {
        if (target.admin().listTopics().names().get().contains(name)) {
          return;
        }
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      } catch (Exception e) {
        throw new AssertionError(e);
      }
    }
    throw new AssertionError(name + " not created on the target in 60 s");
  }

  /** Polls MM2's checkpoints on the target until {@code group} has an offset for {@code tp}. */
  private static long awaitTranslated(String group, TopicPartition tp, Map<String, String> more)
      throws Exception {
    Map<String, Object> props = new HashMap<>(more);
    props.put("bootstrap.servers", target.bootstrapServers());
    long deadline = System.currentTimeMillis() + 60_000;
    while (System.currentTimeMillis() < deadline) {
      Map<TopicPartition, OffsetAndMetadata> offsets = RemoteClusterUtils.translateOffsets(props,
          "source", group, Duration.ofSeconds(30));
      OffsetAndMetadata o = offsets.get(tp);
      if (o != null) {
        return o.offset();
      }
      Thread.sleep(200);
    }
    throw new AssertionError("no checkpoint for " + group + " on " + tp + " in 60 s");
  }

  private static Map<String, Object> decrypting(Map<String, Object> envelope) {
    Map<String, Object> m = new HashMap<>(envelope);
    m.put("envelope.inner.deserializer", StringDeserializer.class.getName());
    m.put("envelope.inner.serializer", StringSerializer.class.getName());
    return m;
  }

  private static KafkaConsumer<String, String> targetConsumer(Map<String, Object> envelope) {
    return new KafkaConsumer<>(TestClients.consumerConfig(target, decrypting(envelope),
        DecryptingDeserializer.class.getName()));
  }

  private static List<String> values(List<ConsumerRecord<String, String>> records) {
    return records.stream().map(ConsumerRecord::value).toList();
  }

  /** An example file with this test's clusters, topic and (if not null) replication policy. */
  private static Map<String, String> example(String file, String topic, String policy) {
    Map<String, String> m = Examples.load(file,
        "source.cluster.bootstrap.servers", SOURCE.broker().bootstrapServers(),
        "target.cluster.bootstrap.servers", target.bootstrapServers(),
        "topics", topic);
    if (policy != null) {
      m.put("replication.policy.class", policy);
    }
    return m;
  }

  private static Map<String, String> mirrorSource(String topic, String policy) {
    Map<String, String> m = example("mirror-source.properties", topic, policy);
    // one broker per cluster
    m.put("replication.factor", "1");
    m.put("offset-syncs.topic.replication.factor", "1");
    m.put("sync.topic.acls.enabled", "false");
    m.put("sync.topic.configs.enabled", "false");
    // an offset sync for every record, so translation is as exact as MM2 makes it
    m.put("offset.lag.max", "0");
    return m;
  }

  private static Map<String, String> checkpoints(String topic, String group, String policy) {
    Map<String, String> m = example("mirror-checkpoint.properties", topic, policy);
    m.put("groups", group);
    m.put("checkpoints.topic.replication.factor", "1");
    m.put("emit.checkpoints.interval.seconds", "1");
    m.put("refresh.groups.interval.seconds", "1");
    m.put("sync.group.offsets.enabled", "false");
    return m;
  }
}
