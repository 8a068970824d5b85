package io.kafkaenvelope.benchmarks.e2e;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.kafkaenvelope.serde.DecryptingDeserializer;
import io.kafkaenvelope.serde.EncryptingSerializer;
import java.io.FileInputStream;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;

/**
 * One producer or one consumer in a JVM of its own, forked by {@link ProcessCpuBenchmark}, so the
 * CPU time this process spends (every thread: the application's, Kafka's network thread doing
 * TLS, GC and JIT) can be charged to it alone. It first moves {@code warmup} records unmeasured
 * (JIT, connections, the first data key), then reads the process's CPU time, moves
 * {@code records} more and reads it again. A producer with a {@code rate} (records per second,
 * 0 = as fast as it can) sends what is due every millisecond and sleeps in between, so its
 * batches, and the batches a consumer later reads, hold the same number of records for every
 * contender (linger decides them, not how fast the contender is). Prints one line
 * {@code RESULT <json>}, with the client's own batching metrics beside the CPU time.
 *
 * <pre>
 * ClientProcess produce|consume &lt;client.properties&gt; &lt;topic&gt; &lt;size&gt; &lt;warmup&gt;
 *     &lt;records&gt; &lt;encrypted true|false&gt; [&lt;rate&gt;]
 * </pre>
 */
public final class ClientProcess {

  static final String RESULT = "RESULT ";

  private ClientProcess() {}

  public static void main(String[] args) throws Exception {
    String role = args[0];
    Properties p = new Properties();
    try (InputStream in = new FileInputStream(args[1])) {
      p.load(in);
    }
    Map<String, Object> config = new HashMap<>();
    p.forEach((k, v) -> config.put((String) k, v));
    String topic = args[2];
    int size = Integer.parseInt(args[3]);
    int warmup = Integer.parseInt(args[4]);
    int records = Integer.parseInt(args[5]);
    boolean encrypted = Boolean.parseBoolean(args[6]);
    double rate = args.length > 7 ? Double.parseDouble(args[7]) : 0;
    byte[][] values = EndToEndBenchmark.values(size);
    Map<String, Object> r = role.equals("produce")
        ? produce(config, topic, values, warmup, records, encrypted, rate)
        : consume(config, topic, values, warmup, records, encrypted);
    System.out.println(RESULT + new ObjectMapper().writeValueAsString(r));
    System.out.flush();
    System.exit(0); // Kafka's and the serde's non-daemon threads are closed; this ends the JVM now
  }

  static Map<String, Object> produce(Map<String, Object> config, String topic, byte[][] values,
      int warmup, int records, boolean encrypted, double rate) throws Exception {
    Serializer<byte[]> ser = encrypted ? new EncryptingSerializer<>(new ByteArraySerializer())
        : new ByteArraySerializer();
    ser.configure(config, false);
    AtomicLong acked = new AtomicLong();
    AtomicReference<Exception> failure = new AtomicReference<>();
    Map<String, Object> r = new LinkedHashMap<>();
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(config, new ByteArraySerializer(), ser)) {
      send(producer, topic, values, 0, warmup, rate, acked, failure);
      producer.flush();
      long cpu0 = processCpuNanos();
      long t0 = System.nanoTime();
      send(producer, topic, values, warmup, warmup + records, rate, acked, failure);
      producer.flush();
      long wall = System.nanoTime() - t0;
      long cpu = processCpuNanos() - cpu0;
      r.put("records", records);
      r.put("cpuNanos", cpu);
      r.put("wallNanos", wall);
      r.put("kmsCalls", kmsCalls()); // before close(), which removes the metrics
      r.put("recordsPerRequest", metric(producer.metrics(), "producer-metrics",
          "records-per-request-avg"));
      r.put("batchSizeAvg", metric(producer.metrics(), "producer-metrics", "batch-size-avg"));
    }
    if (failure.get() != null) {
      throw new IllegalStateException("send failed", failure.get());
    }
    if (acked.get() != warmup + records) {
      throw new IllegalStateException(acked.get() + " of " + (warmup + records) + " acknowledged");
    }
    return r;
  }

  private static void send(KafkaProducer<byte[], byte[]> producer, String topic,
      byte[][] values, int from, int to, double rate, AtomicLong acked,
      AtomicReference<Exception> failure) throws InterruptedException {
    long t0 = System.nanoTime();
    for (int i = from; i < to; i++) {
      if (rate > 0 && (i - from) * 1e9 / rate > System.nanoTime() - t0) {
        Thread.sleep(1); // what is due is sent; sleeping costs no CPU
        i--;
        continue;
      }
      producer.send(new ProducerRecord<>(topic, values[i % values.length]), (md, e) -> {
        if (e != null) {
          failure.compareAndSet(null, e);
        } else {
          acked.incrementAndGet();
        }
      });
    }
  }

  /**
   * Reads the topic from the start; the clock starts at the first poll after {@code warmup}
   * records, and the measured count is what came after that point. Every record is compared with
   * what was sent (offset k holds pool value k mod pool size), as an application touches its
   * data; a mismatch fails the run.
   */
  static Map<String, Object> consume(Map<String, Object> config, String topic, byte[][] values,
      int warmup, int records, boolean encrypted) throws Exception {
    Deserializer<byte[]> de = encrypted
        ? new DecryptingDeserializer<>(new ByteArrayDeserializer()) : new ByteArrayDeserializer();
    de.configure(config, false);
    long total = (long) warmup + records;
    long consumed = 0;
    long cpu0 = -1;
    long t0 = 0;
    long atStart = 0;
    Map<String, Object> r = new LinkedHashMap<>();
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(config, new ByteArrayDeserializer(), de)) {
      TopicPartition tp = new TopicPartition(topic, 0);
      consumer.assign(List.of(tp));
      consumer.seekToBeginning(List.of(tp));
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
      while (consumed < total) {
        if (cpu0 < 0 && consumed >= warmup) {
          cpu0 = processCpuNanos();
          t0 = System.nanoTime();
          atStart = consumed;
        }
        for (ConsumerRecord<byte[], byte[]> rec : consumer.poll(Duration.ofMillis(500))) {
          if (!Arrays.equals(rec.value(), values[(int) (rec.offset() % values.length)])) {
            throw new IllegalStateException("record at offset " + rec.offset()
                + " differs from what was sent");
          }
          consumed++;
        }
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("consumed only " + consumed + " of " + total);
        }
      }
      long wall = System.nanoTime() - t0;
      long cpu = processCpuNanos() - cpu0;
      r.put("records", consumed - atStart);
      r.put("cpuNanos", cpu);
      r.put("wallNanos", wall);
      r.put("kmsCalls", kmsCalls());
      r.put("recordsPerRequest", metric(consumer.metrics(), "consumer-fetch-manager-metrics",
          "records-per-request-avg"));
    }
    return r;
  }

  private static double metric(Map<MetricName, ? extends Metric> metrics, String group,
      String name) {
    for (Map.Entry<MetricName, ? extends Metric> e : metrics.entrySet()) {
      if (e.getKey().group().equals(group) && e.getKey().name().equals(name)
          && e.getKey().tags().getOrDefault("topic", "").isEmpty()) {
        Object v = e.getValue().metricValue();
        return v instanceof Number n ? n.doubleValue() : Double.NaN;
      }
    }
    return Double.NaN;
  }

  /** CPU time of every thread of this JVM so far (the JDK's process CPU clock). */
  static long processCpuNanos() {
    OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
    if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
      return sun.getProcessCpuTime();
    }
    throw new IllegalStateException("this JVM does not report process CPU time");
  }

  /** The envelope metrics' {@code kms-calls-total}, summed over every MBean of this JVM. */
  static long kmsCalls() throws Exception {
    MBeanServer server = ManagementFactory.getPlatformMBeanServer();
    long total = 0;
    for (ObjectName n : server.queryNames(new ObjectName("kafka.envelope:*"), null)) {
      for (MBeanAttributeInfo a : server.getMBeanInfo(n).getAttributes()) {
        if (a.getName().equals("kms-calls-total")) {
          total += Math.round(((Number) server.getAttribute(n, a.getName())).doubleValue());
        }
      }
    }
    return total;
  }
}
