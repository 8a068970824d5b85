package io.kafkaenvelope.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkaenvelope.kms.EncryptionContext;
import io.kafkaenvelope.kms.local.LocalKms;
import io.kafkaenvelope.serde.DecryptingDeserializer;
import io.kafkaenvelope.serde.EncryptingSerializer;
import io.kafkaenvelope.serde.EnvelopeSerde;
import io.kafkaenvelope.testing.KafkaBroker;
import io.kafkaenvelope.testing.KafkaExtension;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.LongDeserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Record keys encrypted with {@code envelope.key.mode=deterministic} through the real broker: log
 * compaction keeps one record per logical key, two producer JVMs write byte-identical keys to one
 * partition with the default partitioner, and Kafka Streams groups by the encrypted key.
 */
class DeterministicKeysTest {

  @RegisterExtension static final KafkaExtension KAFKA = new KafkaExtension();

  private static final String KEY_PREFIX = "customer-PLAINTEXT-";

  /** In-memory KMS {@code kmsName}; keys deterministic, values record mode. */
  private static Map<String, Object> envelope(String kmsName) {
    Map<String, Object> m = Clients.envelope(kmsName);
    m.put("envelope.key.mode", "deterministic");
    return m;
  }

  /** The local KMS on {@code dir} (what two JVMs can share), keys deterministic. */
  static Map<String, Object> localKms(String dir) {
    Map<String, Object> m = new HashMap<>();
    m.put("envelope.kms.type", "local");
    m.put("envelope.kms.local.keyset.dir", dir);
    m.put("envelope.kek.id", "it-keys");
    m.put("envelope.mode", "deterministic");
    m.put("envelope.inner.serializer", "org.apache.kafka.common.serialization.StringSerializer");
    m.put("envelope.inner.deserializer",
        "org.apache.kafka.common.serialization.StringDeserializer");
    return m;
  }

  private static Map<String, Object> producerConfig(KafkaBroker broker, Map<String, Object> env) {
    Map<String, Object> m = Clients.producerConfig(broker, env);
    m.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, EncryptingSerializer.class.getName());
    return m;
  }

  private static KafkaConsumer<String, String> consumer(KafkaBroker broker,
      Map<String, Object> env, String valueDeserializer) {
    Map<String, Object> m = Clients.consumerConfig(broker, env, Clients.unique("group"));
    m.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, DecryptingDeserializer.class.getName());
    m.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, valueDeserializer);
    return new KafkaConsumer<>(m);
  }

  @Test
  void compactionKeepsExactlyTheLatestValuePerLogicalKey() throws Exception {
    KafkaBroker broker = KAFKA.broker();
    String topic = Clients.unique("compacted");
    broker.createTopic(topic, 1);
    // small segments and an eager cleaner, so compaction runs within the test
    broker.admin().incrementalAlterConfigs(Map.of(
        new ConfigResource(ConfigResource.Type.TOPIC, topic), List.of(
            set("cleanup.policy", "compact"), set("segment.ms", "100"),
            set("min.cleanable.dirty.ratio", "0.01"), set("min.compaction.lag.ms", "0"),
            set("delete.retention.ms", "100")))).all().get(30, TimeUnit.SECONDS);
    try { // cluster-wide and dynamic: the cleaner rechecks every 100 ms instead of 15 s
      broker.admin().incrementalAlterConfigs(Map.of(
          new ConfigResource(ConfigResource.Type.BROKER, ""),
          List.of(set("log.cleaner.backoff.ms", "100")))).all().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      // not dynamic in this broker: compaction comes within the default 15 s
    }
    Map<String, Object> env = envelope(Clients.unique("kms"));
    int keys = 10;
    try (KafkaProducer<String, String> p = new KafkaProducer<>(producerConfig(broker, env))) {
      List<Future<RecordMetadata>> sends = new ArrayList<>();
      for (int version = 1; version <= 3; version++) {
        for (int k = 0; k < keys; k++) {
          sends.add(p.send(new ProducerRecord<>(topic, KEY_PREFIX + k, "v" + version)));
        }
      }
      Clients.assertAllAcked(sends);
      // Roll the segment (segment.ms=100): the cleaner never touches the active segment, so one
      // more record after the roll time makes the 30 above cleanable.
      Thread.sleep(300);
      Clients.assertAllAcked(List.of(p.send(new ProducerRecord<>(topic, "roll", "roll"))));
    }
    List<ConsumerRecord<byte[], byte[]>> stored;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    try (KafkaConsumer<byte[], byte[]> raw = Clients.rawConsumer(broker)) {
      do {
        stored = Clients.drainToEnd(broker, raw, topic);
        if (stored.size() == keys + 1) {
          break;
        }
        Thread.sleep(200);
      } while (System.nanoTime() < deadline);
    }
    assertEquals(keys + 1, stored.size(), "compaction left one record per encrypted key");
    Set<String> distinct = new HashSet<>();
    for (ConsumerRecord<byte[], byte[]> r : stored) {
      assertFalse(Clients.contains(r.key(), KEY_PREFIX), "plaintext key on the broker");
      distinct.add(java.util.HexFormat.of().formatHex(r.key()));
    }
    assertEquals(keys + 1, distinct.size());
    Map<String, String> latest = new HashMap<>();
    try (KafkaConsumer<String, String> c = consumer(broker, env,
        DecryptingDeserializer.class.getName())) {
      for (ConsumerRecord<String, String> r : Clients.drainToEnd(broker, c, topic)) {
        assertTrue(latest.put(r.key(), r.value()) == null, "one record per key: " + r.key());
      }
    }
    for (int k = 0; k < keys; k++) {
      assertEquals("v3", latest.get(KEY_PREFIX + k), "the latest value of key " + k);
    }
  }

  @Test
  void twoProducerJvmsWriteIdenticalKeyBytesToOnePartition(@TempDir Path dir) throws Exception {
    KafkaBroker broker = KAFKA.broker();
    String topic = Clients.unique("forked-keys");
    broker.createTopic(topic, 6);
    // the keyset exists before either JVM starts (creating it is locked across processes anyway)
    new LocalKms(dir, true).deriveKeyMaterial("it-keys",
        EncryptionContext.of(Map.of("kafka-envelope:purpose", "setup")));
    String key = KEY_PREFIX + "8c7e1a52-3b9d-4f6e-a1c2-0d4b5e6f7a81";
    List<Process> jvms = new ArrayList<>();
    List<Path> outputs = new ArrayList<>();
    for (String value : new String[] {"from-jvm-1", "from-jvm-2"}) {
      Path out = Files.createTempFile(dir, "producer-", ".out");
      outputs.add(out);
      jvms.add(new ProcessBuilder(Paths.get(System.getProperty("java.home"), "bin", "java")
              .toString(), "-Xmx256m", "-cp", System.getProperty("java.class.path"),
              ForkedKeyProducer.class.getName(), broker.bootstrapServers(), topic,
              dir.toString(), key, value)
          .redirectErrorStream(true).redirectOutput(out.toFile()).start());
    }
    List<String> sentPartitions = new ArrayList<>();
    for (int i = 0; i < jvms.size(); i++) {
      Process p = jvms.get(i);
      boolean exited = p.waitFor(180, TimeUnit.SECONDS);
      if (!exited) {
        p.destroyForcibly();
      }
      String out = Files.readString(outputs.get(i), StandardCharsets.UTF_8);
      assertTrue(exited && p.exitValue() == 0, "producer JVM " + i + " failed: " + tail(out));
      String sent = out.lines().filter(l -> l.startsWith("SENT ")).findFirst().orElseThrow();
      sentPartitions.add(sent.split(" ")[1]);
    }
    assertEquals(sentPartitions.get(0), sentPartitions.get(1), "the default partitioner agrees");
    List<ConsumerRecord<byte[], byte[]>> stored;
    try (KafkaConsumer<byte[], byte[]> raw = Clients.rawConsumer(broker)) {
      stored = Clients.drainToEnd(broker, raw, topic);
    }
    assertEquals(2, stored.size());
    assertArrayEquals(stored.get(0).key(), stored.get(1).key(), "identical key bytes");
    assertEquals(stored.get(0).partition(), stored.get(1).partition());
    assertEquals(Integer.parseInt(sentPartitions.get(0)), stored.get(0).partition());
    assertFalse(Clients.contains(stored.get(0).key(), KEY_PREFIX));
    try (KafkaConsumer<String, String> c = consumer(broker, localKms(dir.toString()),
        "org.apache.kafka.common.serialization.StringDeserializer")) {
      List<ConsumerRecord<String, String>> read = Clients.drainToEnd(broker, c, topic);
      assertEquals(List.of(key, key), read.stream().map(ConsumerRecord::key).toList());
    }
  }

  @Test
  void streamsCountsPerLogicalKeyOverEncryptedKeys() throws Exception {
    KafkaBroker broker = KAFKA.broker();
    String in = Clients.unique("clicks");
    String out = Clients.unique("clicks-per-user");
    String appId = Clients.unique("count-app");
    broker.createTopic(in, 2);
    broker.createTopic(out, 2);
    Map<String, Object> env = envelope(Clients.unique("kms"));
    try (KafkaProducer<String, String> p = new KafkaProducer<>(producerConfig(broker, env))) {
      List<Future<RecordMetadata>> sends = new ArrayList<>();
      for (int i = 0; i < 30; i++) {
        sends.add(p.send(new ProducerRecord<>(in, KEY_PREFIX + (i % 3), "click-" + i)));
      }
      Clients.assertAllAcked(sends);
    }
    Serde<String> keys = new EnvelopeSerde<>(Serdes.String());
    keys.configure(env, true);
    Serde<String> values = new EnvelopeSerde<>(Serdes.String());
    values.configure(env, false);
    StreamsBuilder builder = new StreamsBuilder();
    builder.stream(in, Consumed.with(keys, values))
        .groupByKey(Grouped.with(keys, values))
        .count(Materialized.<String, Long, KeyValueStore<Bytes, byte[]>>as("counts")
            .withKeySerde(keys).withValueSerde(Serdes.Long()))
        .toStream()
        .to(out, Produced.with(keys, Serdes.Long()));
    Map<String, Object> props = new HashMap<>();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, appId);
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    props.put(StreamsConfig.STATE_DIR_CONFIG, Files.createTempDirectory("det-state").toString());
    props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100);
    props.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 0);
    props.put("consumer.auto.offset.reset", "earliest");
    Map<String, Long> counts = new HashMap<>();
    List<ConsumerRecord<String, Long>> all = new ArrayList<>();
    try (KafkaStreams streams = new KafkaStreams(builder.build(), new StreamsConfig(props))) {
      streams.start();
      Map<String, Object> m = Clients.consumerConfig(broker, env, Clients.unique("group"));
      m.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, DecryptingDeserializer.class.getName());
      m.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, LongDeserializer.class.getName());
      try (KafkaConsumer<String, Long> c = new KafkaConsumer<>(m)) {
        c.subscribe(List.of(out));
        Clients.pollUntil(c, records -> {
          records.forEach(r -> counts.merge(r.key(), r.value(), Math::max));
          all.addAll(records);
          records.clear();
          return counts.size() == 3 && counts.values().stream().allMatch(n -> n == 10L);
        });
      }
    }
    assertEquals(Map.of(KEY_PREFIX + 0, 10L, KEY_PREFIX + 1, 10L, KEY_PREFIX + 2, 10L), counts,
        "one count per logical key (a randomized key would start a new count every record)");
    // the store's changelog holds one encrypted key per user, byte-identical across updates
    Set<String> changelogKeys = new HashSet<>();
    try (KafkaConsumer<byte[], byte[]> raw = Clients.rawConsumer(broker)) {
      String changelog = appId + "-counts-changelog";
      for (ConsumerRecord<byte[], byte[]> r : Clients.drainToEnd(broker, raw, changelog)) {
        assertFalse(Clients.contains(r.key(), KEY_PREFIX), "plaintext key in the changelog");
        changelogKeys.add(java.util.HexFormat.of().formatHex(r.key()));
      }
    }
    assertEquals(3, changelogKeys.size(), "changelog keys: " + changelogKeys.size());
  }

  private static AlterConfigOp set(String name, String value) {
    return new AlterConfigOp(new ConfigEntry(name, value), AlterConfigOp.OpType.SET);
  }

  private static String tail(String s) {
    return s.length() <= 4000 ? s : s.substring(s.length() - 4000);
  }
}
