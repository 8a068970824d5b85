package io.kafkaenvelope.benchmarks.soak;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.kafkaenvelope.kms.KmsException.Reason;
import io.kafkaenvelope.kms.memory.InMemoryKms;
import io.kafkaenvelope.serde.DecryptingDeserializer;
import io.kafkaenvelope.serde.EncryptingSerializer;
import io.kafkaenvelope.testing.EmbeddedKafkaBroker;
import java.io.File;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.zip.CRC32;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RecordDeserializationException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The soak ({@code mvn -Psoak}, see docs/performance.md): producers and consumers run against the
 * embedded broker for a set time (30 minutes by default) while the data key rotates every few
 * seconds, the KMS stalls and fails on a fixed timeline ({@link FaultSchedule}) and the broker
 * restarts. Every record carries its producer, sequence number and a plaintext marker; at the end
 * the run accounts for each one (sent, acknowledged, consumed, byte-identical to what was sent,
 * with CRC32 sums), scans the broker's segment files for the marker (a plaintext canary topic is
 * the positive control that the scan finds it), and checks that heap after GC and the thread count
 * stayed flat. The broker shares this JVM, so heap and threads are the broker's and the clients'
 * together. Exits 1 when any check fails.
 */
public final class Soak {

  static final String MARKER = "KENV-SOAK-PLAINTEXT-MARKER";
  static final String TOPIC = "soak";
  static final String CANARY = "soak-canary";
  static final String KMS_NAME = "soak";

  private final Options o;
  private final FaultSchedule faults;
  private final InMemoryKms kms = InMemoryKms.named(KMS_NAME);
  private final AtomicBoolean producing = new AtomicBoolean(true);
  private final AtomicBoolean consuming = new AtomicBoolean(true);
  private final AtomicReference<Throwable> crashed = new AtomicReference<>();
  private final BitSet[] acked;
  private final BitSet[] seen;
  private final AtomicLong sent = new AtomicLong();
  private final AtomicLong ackedCount = new AtomicLong();
  private final AtomicLong ackedCrc = new AtomicLong();
  private final AtomicLong sendFailures = new AtomicLong();
  private final AtomicLong serializeRefusals = new AtomicLong();
  private final AtomicLong consumedCount = new AtomicLong();
  private final AtomicLong consumedCrc = new AtomicLong();
  private final AtomicLong duplicates = new AtomicLong();
  private final AtomicLong corrupt = new AtomicLong();
  private final AtomicLong deserializeRefusals = new AtomicLong();
  private final AtomicLong restarts = new AtomicLong();
  private final List<Map<String, Object>> samples = new ArrayList<>();

  Soak(Options o) {
    this.o = o;
    this.faults = new FaultSchedule(o.spikeEvery, Duration.ofSeconds(10), o.spikeLatency,
        o.outageEvery, o.outageLength, Duration.ofSeconds(60), o.restartEvery);
    acked = new BitSet[o.producers];
    seen = new BitSet[o.producers];
    for (int i = 0; i < o.producers; i++) {
      acked[i] = new BitSet();
      seen[i] = new BitSet();
    }
  }

  public static void main(String[] args) throws Exception {
    Options o = Options.parse(args);
    Map<String, Object> result = new Soak(o).run();
    File f = new File(o.out);
    if (f.getParentFile() != null) {
      f.getParentFile().mkdirs();
    }
    new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(f, result);
    System.out.println("wrote " + f);
    System.out.println(Boolean.TRUE.equals(result.get("passed")) ? "SOAK PASSED"
        : "SOAK FAILED: " + result.get("failures"));
    System.exit(Boolean.TRUE.equals(result.get("passed")) ? 0 : 1);
  }

  Map<String, Object> run() throws Exception {
    Instant started = Instant.now();
    Map<String, Object> out = new LinkedHashMap<>();
    kms.createKek("soak-kek");
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(Map.of(
        "log.segment.bytes", String.valueOf(64 * 1024 * 1024)))) {
      broker.createTopic(TOPIC, o.partitions);
      broker.createTopic(CANARY, 1);
      writeCanary(broker);
      List<Thread> consumers = new ArrayList<>();
      for (int i = 0; i < o.consumers; i++) {
        consumers.add(start("soak-consumer-" + i, () -> consume(broker)));
      }
      List<Thread> producers = new ArrayList<>();
      for (int i = 0; i < o.producers; i++) {
        int id = i;
        producers.add(start("soak-producer-" + i, () -> produce(broker, id)));
      }
      long t0 = System.nanoTime();
      long end = t0 + o.duration.toNanos();
      long nextSample = t0;
      FaultSchedule.KmsState kmsState = FaultSchedule.KmsState.HEALTHY;
      int spikes = 0;
      int outages = 0;
      int unwrapOutages = 0;
      while (System.nanoTime() < end && crashed.get() == null) {
        Duration elapsed = Duration.ofNanos(System.nanoTime() - t0);
        FaultSchedule.KmsState s = faults.kmsAt(elapsed);
        if (!s.equals(kmsState)) {
          apply(s);
          spikes += !s.latency().isZero() ? 1 : 0;
          outages += s.down() && !kmsState.down() ? 1 : 0;
          unwrapOutages += s.unwrapDown() && !s.down() && !kmsState.unwrapDown() ? 1 : 0;
          kmsState = s;
        }
        if (faults.restartsDueBy(elapsed) > restarts.get()) {
          long r0 = System.nanoTime();
          broker.restart();
          restarts.incrementAndGet();
          System.out.printf("%5d s  broker restarted in %.1f s%n", elapsed.toSeconds(),
              (System.nanoTime() - r0) / 1e9);
        }
        if (System.nanoTime() >= nextSample) {
          sample(elapsed);
          nextSample += o.sampleEvery.toNanos();
        }
        Thread.sleep(200);
      }
      producing.set(false);
      for (Thread t : producers) {
        t.join(TimeUnit.MINUTES.toMillis(3));
      }
      kms.heal(); // the consumers catch up on a healthy KMS
      long drainDeadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
      while (unseenAcked() > 0 && System.nanoTime() < drainDeadline && crashed.get() == null) {
        Thread.sleep(500);
      }
      consuming.set(false);
      for (Thread t : consumers) {
        t.join(TimeUnit.MINUTES.toMillis(1));
      }
      sample(Duration.ofNanos(System.nanoTime() - t0));
      long markersTopic = SegmentScan.count(broker.logDirectories(), TOPIC, MARKER);
      long markersCanary = SegmentScan.count(broker.logDirectories(), CANARY, MARKER);
      long storedBytes = SegmentScan.bytes(broker.logDirectories(), TOPIC);

      long lost = unseenAcked();
      long consumedNotAcked = seenNotAcked();
      out.put("started", started.toString());
      out.put("finished", Instant.now().toString());
      out.put("options", o.describe());
      out.put("recordsSent", sent.get());
      out.put("recordsAcknowledged", ackedCount.get());
      out.put("recordsConsumedDistinct", consumedCount.get());
      out.put("recordsLost", lost);
      out.put("recordsConsumedNotAcknowledged", consumedNotAcked);
      out.put("duplicatesConsumed", duplicates.get());
      out.put("corruptRecords", corrupt.get());
      out.put("checksumAcknowledged", Long.toHexString(ackedCrc.get()));
      out.put("checksumConsumed", Long.toHexString(consumedCrc.get()));
      out.put("sendFailures", sendFailures.get());
      out.put("serializeRefusals", serializeRefusals.get());
      out.put("deserializeRefusals", deserializeRefusals.get());
      out.put("plaintextMarkersOnBroker", markersTopic);
      out.put("plaintextMarkersInCanary", markersCanary);
      out.put("storedBytes", storedBytes);
      out.put("brokerRestarts", restarts.get());
      out.put("kmsLatencySpikes", spikes);
      out.put("kmsOutages", outages);
      out.put("kmsUnwrapOutages", unwrapOutages);
      out.put("kmsGenerateCalls", kms.generateCalls());
      out.put("kmsUnwrapCalls", kms.unwrapCalls());
      out.put("samples", samples);
      List<String> failures = new ArrayList<>();
      check(failures, crashed.get() == null, "a client thread crashed: " + crashed.get());
      check(failures, ackedCount.get() > 0, "nothing was acknowledged");
      check(failures, lost == 0, lost + " acknowledged records never consumed");
      check(failures, corrupt.get() == 0, corrupt.get() + " consumed records differ from sent");
      check(failures, ackedCrc.get() == consumedCrc.get() || consumedNotAcked > 0,
          "checksums differ");
      check(failures, markersTopic == 0, markersTopic + " plaintext markers in the soak topic");
      check(failures, markersCanary > 0, "the scan did not find the canary's plaintext marker");
      Map<String, Object> flat = flatness();
      out.put("flatness", flat);
      check(failures, Boolean.TRUE.equals(flat.get("heapFlat")), "heap after GC grew: " + flat);
      check(failures, Boolean.TRUE.equals(flat.get("threadsFlat")), "threads grew: " + flat);
      out.put("failures", failures);
      out.put("passed", failures.isEmpty());
    }
    return out;
  }

  private static void check(List<String> failures, boolean ok, String message) {
    if (!ok) {
      failures.add(message);
    }
  }

  private void apply(FaultSchedule.KmsState s) {
    kms.heal();
    if (s.down()) {
      kms.failWith(Reason.UNAVAILABLE);
    } else if (s.unwrapDown()) {
      kms.failUnwrapWith(Reason.UNAVAILABLE);
    } else if (!s.latency().isZero()) {
      kms.stall(s.latency());
    }
  }

  private Thread start(String name, ThrowingRunnable body) {
    Thread t = new Thread(() -> {
      try {
        body.run();
      } catch (Throwable e) {
        crashed.compareAndSet(null, e);
        e.printStackTrace();
      }
    }, name);
    t.start();
    return t;
  }

  private interface ThrowingRunnable {
    void run() throws Exception;
  }

  private Map<String, Object> envelope() {
    Map<String, Object> c = new HashMap<>();
    c.put("envelope.kms.type", "in-memory");
    c.put("envelope.kms.memory.name", KMS_NAME);
    c.put("envelope.kek.id", "soak-kek");
    c.put("envelope.dek.max.age.ms", o.dekMaxAge.toMillis());
    return c;
  }

  /** One producer: a paced sequence; a refused serialization is retried, never skipped. */
  private void produce(EmbeddedKafkaBroker broker, int id) throws Exception {
    Map<String, Object> pc = envelope();
    pc.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    pc.put(ProducerConfig.ACKS_CONFIG, "all");
    pc.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    pc.put(ProducerConfig.CLIENT_ID_CONFIG, "soak-producer-" + id);
    EncryptingSerializer<byte[]> ser = new EncryptingSerializer<>(new ByteArraySerializer());
    ser.configure(pc, false);
    long pace = (long) (1e9 / o.ratePerProducer);
    try (KafkaProducer<String, byte[]> p =
        new KafkaProducer<>(pc, new StringSerializer(), ser)) {
      long t0 = System.nanoTime();
      int seq = 0;
      while (producing.get()) {
        long due = t0 + seq * pace;
        long wait = due - System.nanoTime();
        if (wait > 0) {
          TimeUnit.NANOSECONDS.sleep(wait);
        }
        byte[] value = payload(id, seq, o.size);
        int s = seq;
        long crc = crc(value);
        try {
          p.send(new ProducerRecord<>(TOPIC, id + ":" + seq, value), (md, e) -> {
            if (e == null) {
              synchronized (acked[id]) {
                acked[id].set(s);
              }
              ackedCount.incrementAndGet();
              ackedCrc.addAndGet(crc);
            } else {
              sendFailures.incrementAndGet();
            }
          });
        } catch (org.apache.kafka.common.errors.SerializationException e) {
          // fail closed: the KMS is down and the data key past its age; retry this record later
          serializeRefusals.incrementAndGet();
          Thread.sleep(200);
          t0 += 200_000_000L; // do not burst to catch up afterwards
          continue;
        }
        sent.incrementAndGet();
        seq++;
      }
      p.flush();
    }
  }

  /** One consumer of the group: a refused record is polled again (the consumer stays on it). */
  private void consume(EmbeddedKafkaBroker broker) throws Exception {
    Map<String, Object> cc = envelope();
    cc.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    cc.put(ConsumerConfig.GROUP_ID_CONFIG, "soak");
    cc.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    DecryptingDeserializer<byte[]> de = new DecryptingDeserializer<>(new ByteArrayDeserializer());
    de.configure(cc, false);
    try (KafkaConsumer<String, byte[]> c =
        new KafkaConsumer<>(cc, new StringDeserializer(), de)) {
      c.subscribe(List.of(TOPIC));
      while (consuming.get()) {
        Iterable<ConsumerRecord<String, byte[]>> batch;
        try {
          batch = c.poll(Duration.ofMillis(500));
        } catch (RecordDeserializationException e) {
          deserializeRefusals.incrementAndGet(); // the KMS is down: the same record comes again
          Thread.sleep(200);
          continue;
        }
        for (ConsumerRecord<String, byte[]> r : batch) {
          String[] k = r.key().split(":");
          int producer = Integer.parseInt(k[0]);
          int seq = Integer.parseInt(k[1]);
          if (!Arrays.equals(r.value(), payload(producer, seq, o.size))) {
            corrupt.incrementAndGet();
            continue;
          }
          boolean first;
          synchronized (seen[producer]) {
            first = !seen[producer].get(seq);
            seen[producer].set(seq);
          }
          if (first) {
            consumedCount.incrementAndGet();
            consumedCrc.addAndGet(crc(r.value()));
          } else {
            duplicates.incrementAndGet();
          }
        }
      }
    }
  }

  /** The plaintext control: the marker written unencrypted to its own topic. */
  private static void writeCanary(EmbeddedKafkaBroker broker) throws Exception {
    try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(Map.of(
        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()),
        new ByteArraySerializer(), new ByteArraySerializer())) {
      p.send(new ProducerRecord<>(CANARY, payload(0, 0, 256))).get(60, TimeUnit.SECONDS);
    }
  }

  /** The record of producer {@code id} at {@code seq}: marker, ids, then seeded filler. */
  static byte[] payload(int id, int seq, int size) {
    byte[] v = new byte[size];
    byte[] head = (MARKER + "|" + id + ":" + seq + "|").getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(head, 0, v, 0, Math.min(head.length, size));
    SplittableRandom rnd = new SplittableRandom(((long) id << 32) | seq);
    for (int i = head.length; i < size; i++) {
      v[i] = (byte) ('a' + rnd.nextInt(26));
    }
    return v;
  }

  private static long crc(byte[] v) {
    CRC32 c = new CRC32();
    c.update(v);
    return c.getValue();
  }

  private long unseenAcked() {
    long n = 0;
    for (int i = 0; i < acked.length; i++) {
      BitSet a;
      synchronized (acked[i]) {
        a = (BitSet) acked[i].clone();
      }
      synchronized (seen[i]) {
        a.andNot(seen[i]);
      }
      n += a.cardinality();
    }
    return n;
  }

  private long seenNotAcked() {
    long n = 0;
    for (int i = 0; i < seen.length; i++) {
      BitSet s;
      synchronized (seen[i]) {
        s = (BitSet) seen[i].clone();
      }
      synchronized (acked[i]) {
        s.andNot(acked[i]);
      }
      n += s.cardinality();
    }
    return n;
  }

  private void sample(Duration elapsed) {
    System.gc();
    long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    int threads = ManagementFactory.getThreadMXBean().getThreadCount();
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("seconds", elapsed.toSeconds());
    s.put("heapAfterGcMiB", Math.round(heap / 1048576.0 * 10) / 10.0);
    s.put("threads", threads);
    s.put("sent", sent.get());
    s.put("acknowledged", ackedCount.get());
    s.put("consumed", consumedCount.get());
    s.put("kmsGenerate", kms.generateCalls());
    s.put("kmsUnwrap", kms.unwrapCalls());
    s.put("serializeRefusals", serializeRefusals.get());
    s.put("deserializeRefusals", deserializeRefusals.get());
    s.put("restarts", restarts.get());
    samples.add(s);
    System.out.println("sample " + s);
  }

  /**
   * Heap and threads are flat when the last quarter of the samples is no higher than the first
   * half after warm-up (the first two samples) allows: median heap within 25% + 16 MiB, highest
   * thread count within 5 of the first half's highest. A leak per rotation, restart or outage
   * (a thread or a cache entry that stays) grows with the run and fails this.
   */
  Map<String, Object> flatness() {
    List<Map<String, Object>> s = samples.size() > 4 ? samples.subList(2, samples.size())
        : samples;
    int half = Math.max(1, s.size() / 2);
    List<Map<String, Object>> first = s.subList(0, half);
    List<Map<String, Object>> last = s.subList(Math.max(half, s.size() - Math.max(1,
        s.size() / 4)), s.size());
    double heapFirst = median(first, "heapAfterGcMiB");
    double heapLast = median(last, "heapAfterGcMiB");
    int threadsFirst = first.stream().mapToInt(x -> (Integer) x.get("threads")).max().orElse(0);
    int threadsLast = last.stream().mapToInt(x -> (Integer) x.get("threads")).max().orElse(0);
    Map<String, Object> f = new LinkedHashMap<>();
    f.put("heapMedianFirstHalfMiB", heapFirst);
    f.put("heapMedianLastQuarterMiB", heapLast);
    f.put("threadsMaxFirstHalf", threadsFirst);
    f.put("threadsMaxLastQuarter", threadsLast);
    f.put("heapFlat", heapLast <= heapFirst * 1.25 + 16);
    f.put("threadsFlat", threadsLast <= threadsFirst + 5);
    return f;
  }

  private static double median(List<Map<String, Object>> s, String key) {
    double[] v = s.stream().mapToDouble(x -> ((Number) x.get(key)).doubleValue()).sorted()
        .toArray();
    return v.length == 0 ? 0 : v.length % 2 == 1 ? v[v.length / 2]
        : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
  }

  /** Command-line options; durations in ISO-8601 ({@code PT30M}) or as {@code 30m}/{@code 45s}. */
  static final class Options {
    Duration duration = Duration.ofMinutes(30);
    int producers = 2;
    int consumers = 2;
    int partitions = 4;
    double ratePerProducer = 500;
    int size = 512;
    Duration dekMaxAge = Duration.ofSeconds(5);
    Duration spikeEvery = Duration.ofSeconds(45);
    Duration spikeLatency = Duration.ofMillis(1500);
    Duration outageEvery = Duration.ofSeconds(150);
    Duration outageLength = Duration.ofSeconds(15);
    Duration restartEvery = Duration.ofMinutes(5);
    Duration sampleEvery = Duration.ofSeconds(30);
    String out = "benchmarks/target/soak.json";

    static Options parse(String[] args) {
      Options o = new Options();
      for (int i = 0; i < args.length; i += 2) {
        String v = i + 1 < args.length ? args[i + 1] : null;
        if (v == null) {
          throw new IllegalArgumentException("missing value for " + args[i]);
        }
        switch (args[i]) {
          case "--duration" -> o.duration = duration(v);
          case "--producers" -> o.producers = Integer.parseInt(v);
          case "--consumers" -> o.consumers = Integer.parseInt(v);
          case "--partitions" -> o.partitions = Integer.parseInt(v);
          case "--rate" -> o.ratePerProducer = Double.parseDouble(v);
          case "--size" -> o.size = Integer.parseInt(v);
          case "--dek-max-age" -> o.dekMaxAge = duration(v);
          case "--spike-every" -> o.spikeEvery = duration(v);
          case "--spike-latency" -> o.spikeLatency = duration(v);
          case "--outage-every" -> o.outageEvery = duration(v);
          case "--outage-length" -> o.outageLength = duration(v);
          case "--restart-every" -> o.restartEvery = duration(v);
          case "--sample-every" -> o.sampleEvery = duration(v);
          case "--out" -> o.out = v;
          default -> throw new IllegalArgumentException("unknown option " + args[i]
              + " (--duration --producers --consumers --partitions --rate --size --dek-max-age"
              + " --spike-every --spike-latency --outage-every --outage-length --restart-every"
              + " --sample-every --out)");
        }
      }
      if (o.size < 64) {
        throw new IllegalArgumentException("--size must be at least 64 (marker and ids)");
      }
      return o;
    }

    /** {@code PT30M}, or a number with {@code ms}, {@code s}, {@code m} or {@code h}. */
    static Duration duration(String v) {
      String s = v.trim().toLowerCase(java.util.Locale.ROOT);
      if (s.startsWith("pt")) {
        return Duration.parse(v.trim().toUpperCase(java.util.Locale.ROOT));
      }
      if (s.endsWith("ms")) {
        return Duration.ofMillis(Long.parseLong(s.substring(0, s.length() - 2)));
      }
      long n = Long.parseLong(s.substring(0, s.length() - 1));
      return switch (s.charAt(s.length() - 1)) {
        case 's' -> Duration.ofSeconds(n);
        case 'm' -> Duration.ofMinutes(n);
        case 'h' -> Duration.ofHours(n);
        default -> throw new IllegalArgumentException("not a duration: " + v
            + " (use e.g. 30m, 45s, 500ms or PT30M)");
      };
    }

    Map<String, Object> describe() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("duration", duration.toString());
      m.put("producers", producers);
      m.put("consumers", consumers);
      m.put("partitions", partitions);
      m.put("ratePerProducer", ratePerProducer);
      m.put("recordSize", size);
      m.put("dekMaxAge", dekMaxAge.toString());
      m.put("kmsSpikeEvery", spikeEvery.toString());
      m.put("kmsSpikeLatency", spikeLatency.toString());
      m.put("kmsOutageEvery", outageEvery.toString());
      m.put("kmsOutageLength", outageLength.toString());
      m.put("brokerRestartEvery", restartEvery.toString());
      m.put("jvm", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
      return m;
    }
  }
}
