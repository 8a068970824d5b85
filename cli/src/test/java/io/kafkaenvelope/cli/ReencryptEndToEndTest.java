package io.kafkaenvelope.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kafkaenvelope.internal.wire.EnvelopeHeader;
import io.kafkaenvelope.kms.local.LocalKms;
import io.kafkaenvelope.serde.DecryptingDeserializer;
import io.kafkaenvelope.serde.EncryptingSerializer;
import io.kafkaenvelope.testing.EmbeddedKafkaBroker;
import io.kafkaenvelope.testing.TestClients;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 18: {@code reencrypt} moves 100,000 records to a new KEK through the real broker,
 * stopped twice on the way — once by {@code --max-records}, once by a simulated crash in the
 * middle of a transaction — and resumed; the destination then holds the same records (count and
 * checksum over partition, key, value, timestamp and headers), each once, every one under the new
 * KEK.
 */
class ReencryptEndToEndTest {

  /**
   * The real in-process broker of test-support, started here with one change: it does not fsync
   * after every message (the default of {@code KafkaExtension}'s broker), which on a shared
   * machine made this 100,000-record copy take minutes. Durability is not what this test checks.
   */
  private static EmbeddedKafkaBroker broker;

  @BeforeAll
  static void startBroker() {
    broker = EmbeddedKafkaBroker.start(Map.of("log.flush.interval.messages",
        Long.toString(Long.MAX_VALUE)));
  }

  @AfterAll
  static void stopBroker() {
    if (broker != null) {
      broker.close();
    }
  }

  private static final int RECORDS = 100_000;
  private static final int PARTITIONS = 3;

  @TempDir Path dir;

  private Map<String, Object> envelope(String kek) {
    Map<String, Object> m = new HashMap<>();
    m.put("envelope.kms.type", "local");
    m.put("envelope.kms.local.keyset.dir", dir.resolve("keys").toString());
    m.put("envelope.inner.serializer", StringSerializer.class.getName());
    m.put("envelope.kek.id", kek);
    return m;
  }

  @Test
  void reencryptsAHundredThousandRecordsToANewKekStoppedTwiceAndResumed() throws Exception {
    String src = TestClients.unique("reencrypt-src");
    String dst = TestClients.unique("reencrypt-dst");
    broker.createTopic(src, PARTITIONS);
    broker.createTopic(dst, PARTITIONS);
    LocalKms.create(dir.resolve("keys"), "kek-old");
    LocalKms.create(dir.resolve("keys"), "kek-new");

    List<Future<RecordMetadata>> sends = new ArrayList<>(RECORDS);
    Map<String, Object> producer = TestClients.producerConfig(broker,
        envelope("kek-old"), EncryptingSerializer.class.getName());
    producer.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
    // distinct timestamps, recent enough that retention (7 days) leaves the records alone
    long t0 = System.currentTimeMillis() - 3_600_000L;
    try (KafkaProducer<String, String> p = new KafkaProducer<>(producer)) {
      for (int i = 0; i < RECORDS; i++) {
        ProducerRecord<String, String> r = new ProducerRecord<>(src, i % PARTITIONS,
            t0 + i, "key-" + i, "value-" + i);
        r.headers().add("seq", Integer.toString(i).getBytes(StandardCharsets.UTF_8));
        sends.add(p.send(r));
      }
      TestClients.assertAllAcked(sends);
    }
    sends.clear();
    lap("produced " + RECORDS);
    Map<String, Object> reader = envelope("kek-old");
    reader.put("envelope.kek.allowed.ids", "kek-new");
    reader.put("bootstrap.servers", broker.bootstrapServers());
    Path config = dir.resolve("consumer.properties");
    StringBuilder props = new StringBuilder();
    reader.forEach((k, v) -> props.append(k).append('=').append(v).append('\n'));
    Files.writeString(config, props.toString());
    String group = TestClients.unique("reencrypt-group");
    String[] args = {"reencrypt", src, dst, "--config", config.toString(), "-T",
        "envelope.kek.id=kek-new", "--group", group, "--batch", "5000", "--quiet"};

    // 1. a record limit: stops after 30,000 records, position committed
    Cli.Result limited = Cli.run(concat(args, "--max-records", "30000"));
    assertEquals(0, limited.code(), limited.toString());
    assertTrue(limited.out().contains("reencrypted 30,000 records"), limited.out());
    assertTrue(limited.out().contains("run the same command again"), limited.out());
    assertEquals(30_000, committed(group, src));
    lap("run 1");

    // 2. a crash with a transaction open: 40,500 more records sent, 40,000 committed (transactions
    //    of 5,000)
    AtomicLong sentBeforeCrash = new AtomicLong();
    Cli.Result crashed = Cli.run(Cli.withHook(n -> {
      sentBeforeCrash.set(n);
      if (n == 40_500) {
        throw new IllegalStateException("simulated crash");
      }
    }), args);
    assertEquals(ExitCode.RUNTIME, crashed.code(), crashed.toString());
    assertTrue(crashed.err().contains("simulated crash"), crashed.toString());
    assertEquals(40_500, sentBeforeCrash.get());
    assertEquals(70_000, committed(group, src), "the open transaction's position is not kept");
    lap("run 2");

    // 3. resumed to the end, with the count check
    Cli.Result resumed = Cli.run(args);
    assertEquals(0, resumed.code(), resumed.toString());
    assertTrue(resumed.out().contains("reencrypted 30,000 records"), resumed.out());
    assertTrue(resumed.out().contains("hold 100,000 records each: OK"), resumed.out());
    assertEquals(RECORDS, committed(group, src));
    lap("run 3");

    // the destination, as a read_committed consumer sees it: same records, once, new KEK
    Summary before = summary(src, "kek-old");
    Summary after = summary(dst, "kek-new");
    assertEquals(RECORDS, before.count);
    assertEquals(RECORDS, after.count, "none lost, none duplicated");
    assertEquals(RECORDS, after.distinct, "each record once");
    assertEquals(before.checksum, after.checksum);
    lap("checksums");

    Cli.Result inspect = Cli.run("inspect", dst, "--config", config.toString(), "--json");
    JsonNode keks = new ObjectMapper().readTree(inspect.out()).get("value").get("keks");
    assertEquals(1, keks.size(), keks.toString());
    assertEquals("kek-new", keks.get(0).get("kekId").asText());
    assertEquals(RECORDS, keks.get(0).get("records").asLong());

    // running it again copies nothing
    Cli.Result idle = Cli.run(concat(args, "--no-count-check"));
    assertEquals(0, idle.code(), idle.toString());
    assertTrue(idle.out().contains("reencrypted 0 records"), idle.out());
  }

  private long lapStart = System.nanoTime();

  /** Phase timings in the test's output file. */
  private void lap(String phase) {
    long now = System.nanoTime();
    System.err.printf("ReencryptEndToEndTest: %s in %d ms%n", phase, (now - lapStart) / 1_000_000);
    lapStart = now;
  }

  private static String[] concat(String[] a, String... b) {
    String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  /** The sum of the positions {@code group} committed on {@code topic}. */
  private long committed(String group, String topic) throws Exception {
    long sum = 0;
    for (Map.Entry<TopicPartition, OffsetAndMetadata> e : broker.admin()
        .listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get().entrySet()) {
      if (e.getKey().topic().equals(topic) && e.getValue() != null) {
        sum += e.getValue().offset();
      }
    }
    return sum;
  }

  private record Summary(long count, long distinct, String checksum) {}

  /**
   * Reads {@code topic} as a read_committed consumer, checks each value's envelope names
   * {@code kek}, decrypts it, and sums a digest of partition, key, value, timestamp and the
   * non-envelope headers of each record (order-independent).
   */
  private Summary summary(String topic, String kek) throws Exception {
    Map<String, Object> settings = envelope(kek);
    settings.put("envelope.inner.deserializer",
        "org.apache.kafka.common.serialization.StringDeserializer");
    java.math.BigInteger sum = java.math.BigInteger.ZERO;
    Set<String> values = new HashSet<>();
    long count = 0;
    try (KafkaConsumer<byte[], byte[]> raw = TestClients.rawConsumer(broker);
        DecryptingDeserializer<String> d = new DecryptingDeserializer<>()) {
      d.configure(settings, false);
      for (ConsumerRecord<byte[], byte[]> r : TestClients.drainToEnd(broker, raw,
          topic)) {
        Header env = r.headers().lastHeader("kafka-envelope.value");
        assertEquals(kek, EnvelopeHeader.parse(env.value()).kekId());
        String value = d.deserialize(topic, r.headers(), r.value());
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        md.update((r.partition() + "|" + new String(r.key(), StandardCharsets.UTF_8) + "|"
            + value + "|" + r.timestamp()).getBytes(StandardCharsets.UTF_8));
        for (Header h : r.headers()) {
          if (!h.key().startsWith("kafka-envelope.")) {
            md.update(("|" + h.key() + "=").getBytes(StandardCharsets.UTF_8));
            md.update(h.value());
          }
        }
        sum = sum.add(new java.math.BigInteger(1, md.digest()));
        values.add(value);
        count++;
      }
    }
    return new Summary(count, values.size(), sum.toString(16));
  }
}
