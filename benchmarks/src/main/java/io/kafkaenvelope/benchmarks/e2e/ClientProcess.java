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
 * {@code records} more and reads it again. Prints one line {@code RESULT <json>}.
 *
 * <pre>
 * ClientProcess produce|consume &lt;client.properties&gt; &lt;topic&gt; &lt;size&gt; &lt;warmup&gt;
 *     &lt;records&gt; &lt;encrypted true|false&gt;
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
    byte[][] values = EndToEndBenchmark.values(size);
    Map<String, Object> r = role.equals("produce")
        ? produce(config, topic, values, warmup, records, encrypted)
        : consume(config, topic, values, warmup, records, encrypted);
    System.out.println(RESULT + new ObjectMapper().writeValueAsString(r));
    System.out.flush();
    System.exit(0); // Kafka's and the serde's non-daemon threads are closed; this ends the JVM now
  }

  static Map<String, Object> produce(Map<String, Object> config, String topic, byte[][] values,
      int warmup, int records, boolean encrypted) throws Exception {
    Serializer<byte[]> ser = encrypted ? new EncryptingSerializer<>(new ByteArraySerializer())
        : new ByteArraySerializer();
    ser.configure(config, false);
    AtomicLong acked = new AtomicLong();
    AtomicReference<Exception> failure = new AtomicReference<>();
    Map<String, Object> r = new LinkedHashMap<>();
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(config, new ByteArraySerializer(), ser)) {
      send(producer, topic, values, 0, warmup, acked, failure);
      producer.flush();
      long cpu0 = processCpuNanos();
      long t0 = System.nanoTime();
      send(producer, topic, values, warmup, warmup + records, acked, failure);
      producer.flush();
      long wall = System.nanoTime() - t0;
      long cpu = processCpuNanos() - cpu0;
      r.put("records", records);
      r.put("cpuNanos", cpu);
      r.put("wallNanos", wall);
      r.put("kmsCalls", kmsCalls()); // before close(), which removes the metrics
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
      byte[][] values, int from, int to, AtomicLong acked, AtomicReference<Exception> failure) {
    for (int i = from; i < to; i++) {
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
    }
    return r;
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
