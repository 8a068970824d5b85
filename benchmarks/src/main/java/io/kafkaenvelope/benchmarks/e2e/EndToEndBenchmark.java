package io.kafkaenvelope.benchmarks.e2e;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.kafkaenvelope.internal.crypto.AesGcm;
import io.kafkaenvelope.kms.memory.InMemoryKms;
import io.kafkaenvelope.serde.DecryptingDeserializer;
import io.kafkaenvelope.serde.EncryptingSerializer;
import io.kafkaenvelope.testing.EmbeddedKafkaBroker;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Producer and consumer throughput through a real (embedded, single-node KRaft) broker, plaintext
 * against encrypted, alternating the two in every round so drift on a shared machine hits both.
 * Records are JSON-like text of a fixed size, so compression has something to compress in the
 * plaintext runs (ciphertext does not compress: that cost is part of what is measured). With a
 * codec, a third mode has the serializer compress each record before encrypting it
 * ({@code envelope.compression.type}, opt-in) and the producer's batch compression off.
 *
 * <pre>
 * java -Xmx2g -cp benchmarks/target/benchmarks.jar \
 *     io.kafkaenvelope.benchmarks.e2e.EndToEndBenchmark \
 *     --records 1000000 --size 1024 --rounds 3 --codecs none,lz4,zstd \
 *     --out benchmarks/target/e2e.json
 * </pre>
 */
public final class EndToEndBenchmark {

  static final String KMS_NAME = "e2e";
  static final String PLAINTEXT = "plaintext";
  static final String ENCRYPTED = "encrypted";
  static final String ENVELOPE_COMPRESSED = "envelope-compressed";
  static final int LINGER_MS = 10;
  static final int BATCH_SIZE = 256 * 1024;
  static final int RECORD_POOL = 4096;

  private EndToEndBenchmark() {}

  public static void main(String[] args) throws Exception {
    Options o = Options.parse(args);
    // Broker defaults for flushing (test-support fsyncs every message for its restart tests).
    Map<String, String> brokerConfig = Map.of(
        "log.flush.interval.messages", String.valueOf(Long.MAX_VALUE),
        "log.segment.bytes", String.valueOf(512 * 1024 * 1024));
    List<Map<String, Object>> runs = new ArrayList<>();
    Instant started = Instant.now();
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(brokerConfig)) {
      byte[][] values = values(o.size);
      if (o.warmupRecords > 0) { // JIT, page cache and broker threads warm before the first run
        for (String mode : List.of(PLAINTEXT, ENCRYPTED, ENVELOPE_COMPRESSED)) {
          run(broker, "warmup", "lz4", mode, o.warmupRecords, values, -1);
        }
      }
      for (int round = 1; round <= o.rounds; round++) {
        for (String codec : o.codecs) {
          // The order flips every round, so drift over a round favours no mode.
          List<String> order = new ArrayList<>(List.of(PLAINTEXT, ENCRYPTED, ENVELOPE_COMPRESSED));
          if (round % 2 == 0) {
            java.util.Collections.reverse(order);
          }
          for (String mode : order) {
            if (!o.modes.contains(mode) || (mode.equals(ENVELOPE_COMPRESSED)
                && codec.equals("none"))) {
              continue;
            }
            Map<String, Object> r = run(broker, "r" + round, codec, mode, o.records, values,
                round);
            runs.add(r);
            System.out.printf("round %d %-4s %-19s produce %9.0f rec/s %7.1f MB/s | consume %9.0f "
                    + "rec/s %7.1f MB/s | wire %6.1f MB | kms gen %d unwrap %d%n",
                round, codec, mode, r.get("produceRecordsPerSec"),
                r.get("produceMBPerSec"), r.get("consumeRecordsPerSec"), r.get("consumeMBPerSec"),
                ((Number) r.get("producerOutgoingBytes")).doubleValue() / 1e6,
                r.get("kmsGenerateCalls"), r.get("kmsUnwrapCalls"));
          }
        }
      }
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("started", started.toString());
    out.put("finished", Instant.now().toString());
    out.put("records", o.records);
    out.put("recordSize", o.size);
    out.put("rounds", o.rounds);
    out.put("lingerMs", LINGER_MS);
    out.put("batchSize", BATCH_SIZE);
    out.put("acks", "all");
    out.put("partitions", 1);
    out.put("cipherProvider", AesGcm.providerName());
    out.put("jvm", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
    out.put("runs", runs);
    File f = new File(o.out);
    if (f.getParentFile() != null) {
      f.getParentFile().mkdirs();
    }
    new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(f, out);
    System.out.println("wrote " + f);
  }

  /** One produce-then-consume run on a fresh topic, deleted afterwards. */
  static Map<String, Object> run(EmbeddedKafkaBroker broker, String label, String codec,
      String mode, int records, byte[][] values, int round) throws Exception {
    boolean encrypted = !mode.equals(PLAINTEXT);
    String topic = "e2e-" + label + "-" + codec + "-" + mode;
    broker.createTopic(topic, 1);
    InMemoryKms kms = InMemoryKms.named(KMS_NAME);
    kms.resetCounters();

    Map<String, Object> pc = new HashMap<>(envelope());
    pc.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    pc.put(ProducerConfig.ACKS_CONFIG, "all");
    pc.put(ProducerConfig.LINGER_MS_CONFIG, LINGER_MS);
    pc.put(ProducerConfig.BATCH_SIZE_CONFIG, BATCH_SIZE);
    if (mode.equals(ENVELOPE_COMPRESSED)) {
      // the serializer compresses each record before encrypting; the batch is left alone
      pc.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "none");
      pc.put("envelope.compression.type", codec);
    } else {
      pc.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, codec);
    }
    pc.put(ProducerConfig.BUFFER_MEMORY_CONFIG, 64L * 1024 * 1024);
    Serializer<byte[]> ser = encrypted ? new EncryptingSerializer<>(new ByteArraySerializer())
        : new ByteArraySerializer();
    ser.configure(pc, false); // instances handed to the producer are not configured by it
    AtomicLong acked = new AtomicLong();
    AtomicReference<Exception> failure = new AtomicReference<>();
    long produceNanos;
    double outgoingBytes;
    double compressionRate;
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(pc, new ByteArraySerializer(), ser)) {
      // the first send fetches metadata (and, encrypted, the first DEK): not part of the rate
      producer.send(new ProducerRecord<>(topic, values[0])).get();
      long t0 = System.nanoTime();
      for (int i = 1; i < records; i++) {
        producer.send(new ProducerRecord<>(topic, values[i % values.length]), (md, e) -> {
          if (e != null) {
            failure.compareAndSet(null, e);
          } else {
            acked.incrementAndGet();
          }
        });
      }
      producer.flush();
      produceNanos = System.nanoTime() - t0;
      outgoingBytes = metric(producer.metrics(), "producer-metrics", "outgoing-byte-total");
      compressionRate = metric(producer.metrics(), "producer-metrics", "compression-rate-avg");
    }
    if (failure.get() != null) {
      throw new IllegalStateException("send failed in " + topic, failure.get());
    }
    if (acked.get() != records - 1) {
      throw new IllegalStateException(acked.get() + " of " + (records - 1) + " acknowledged");
    }

    Map<String, Object> cc = new HashMap<>(envelope());
    cc.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    cc.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    Deserializer<byte[]> de = encrypted
        ? new DecryptingDeserializer<>(new ByteArrayDeserializer()) : new ByteArrayDeserializer();
    de.configure(cc, false);
    long consumed = 0;
    long checksum = 0;
    long consumeNanos;
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(cc, new ByteArrayDeserializer(), de)) {
      TopicPartition tp = new TopicPartition(topic, 0);
      consumer.assign(List.of(tp));
      consumer.seekToBeginning(List.of(tp));
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
      long t0 = System.nanoTime();
      while (consumed < records) {
        ConsumerRecords<byte[], byte[]> batch = consumer.poll(Duration.ofMillis(500));
        for (ConsumerRecord<byte[], byte[]> rec : batch) {
          byte[] v = rec.value();
          checksum += v.length + v[v.length / 2]; // touch the plaintext as an application would
          consumed++;
        }
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("consumed only " + consumed + " of " + records);
        }
      }
      consumeNanos = System.nanoTime() - t0;
    }
    broker.admin().deleteTopics(List.of(topic)).all().get(1, TimeUnit.MINUTES);

    double mb = (double) records * values[0].length / 1e6;
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("round", round);
    r.put("codec", codec);
    r.put("mode", mode);
    r.put("records", records);
    r.put("produceSeconds", produceNanos / 1e9);
    r.put("produceRecordsPerSec", (records - 1) / (produceNanos / 1e9));
    r.put("produceMBPerSec", mb * (records - 1) / records / (produceNanos / 1e9));
    r.put("consumeSeconds", consumeNanos / 1e9);
    r.put("consumeRecordsPerSec", records / (consumeNanos / 1e9));
    r.put("consumeMBPerSec", mb / (consumeNanos / 1e9));
    r.put("producerOutgoingBytes", outgoingBytes);
    r.put("compressionRateAvg", compressionRate);
    r.put("kmsGenerateCalls", kms.generateCalls());
    r.put("kmsUnwrapCalls", kms.unwrapCalls());
    r.put("checksum", checksum);
    return r;
  }

  static Map<String, Object> envelope() {
    Map<String, Object> c = new HashMap<>();
    c.put("envelope.kms.type", "in-memory");
    c.put("envelope.kms.memory.name", KMS_NAME);
    c.put("envelope.kek.id", "e2e-kek");
    return c;
  }

  private static double metric(Map<MetricName, ? extends Metric> metrics, String group,
      String name) {
    for (Map.Entry<MetricName, ? extends Metric> e : metrics.entrySet()) {
      if (e.getKey().group().equals(group) && e.getKey().name().equals(name)) {
        return ((Number) e.getValue().metricValue()).doubleValue();
      }
    }
    return Double.NaN;
  }

  /**
   * A pool of distinct JSON-like records of exactly {@code size} bytes: field names repeat and
   * values vary, as in typical event payloads (lz4 and zstd shrink them several-fold).
   */
  static byte[][] values(int size) {
    Random rnd = new Random(42);
    String[] words = {"order", "created", "shipped", "customer", "premium", "standard", "EUR",
        "USD", "warehouse", "berlin", "lisbon", "paid", "pending", "express", "returned"};
    byte[][] pool = new byte[RECORD_POOL][];
    for (int i = 0; i < pool.length; i++) {
      StringBuilder sb = new StringBuilder(size + 64);
      sb.append("{\"id\":").append(rnd.nextInt(1_000_000_000)).append(",\"items\":[");
      int item = 0;
      while (sb.length() < size - 40) {
        if (item++ > 0) {
          sb.append(',');
        }
        sb.append("{\"sku\":\"").append(words[rnd.nextInt(words.length)]).append('-')
            .append(rnd.nextInt(10_000)).append("\",\"qty\":").append(rnd.nextInt(9) + 1)
            .append(",\"status\":\"").append(words[rnd.nextInt(words.length)]).append("\"}");
      }
      sb.setLength(Math.min(sb.length(), size - 2));
      sb.append("]}");
      while (sb.length() < size) {
        sb.append(' ');
      }
      pool[i] = sb.substring(0, size).getBytes(StandardCharsets.US_ASCII);
    }
    return pool;
  }

  static final class Options {
    int records = 1_000_000;
    int size = 1024;
    int rounds = 3;
    int warmupRecords = 200_000;
    List<String> codecs = List.of("none", "lz4", "zstd");
    List<String> modes = List.of(PLAINTEXT, ENCRYPTED, ENVELOPE_COMPRESSED);
    String out = "benchmarks/target/e2e.json";

    static Options parse(String[] args) {
      Options o = new Options();
      for (int i = 0; i < args.length; i += 2) {
        String v = i + 1 < args.length ? args[i + 1] : null;
        if (v == null) {
          throw new IllegalArgumentException("missing value for " + args[i]);
        }
        switch (args[i]) {
          case "--records" -> o.records = Integer.parseInt(v);
          case "--size" -> o.size = Integer.parseInt(v);
          case "--rounds" -> o.rounds = Integer.parseInt(v);
          case "--warmup-records" -> o.warmupRecords = Integer.parseInt(v);
          case "--codecs" -> o.codecs = List.of(v.split(","));
          case "--modes" -> o.modes = List.of(v.split(","));
          case "--out" -> o.out = v;
          default -> throw new IllegalArgumentException("unknown option " + args[i]
              + " (--records --size --rounds --warmup-records --codecs --modes --out)");
        }
      }
      return o;
    }
  }
}
