package io.kafkaenvelope.benchmarks.micro;

import io.kafkaenvelope.avro.DecryptingAvroDeserializer;
import io.kafkaenvelope.avro.EncryptingAvroSerializer;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * A ~1 KiB Avro record (registry-less single-object encoding, in-memory KMS) through {@code
 * EncryptingAvroSerializer} with 3 fields encrypted ({@code envelope.mode=field}: ssn, email,
 * card) against whole-record encryption of the same record, and back through {@code
 * DecryptingAvroDeserializer}. Target: field mode ≤ 2× record mode.
 *
 * <p>Run with JMH, or, for the ratio on a shared machine, with {@link #main}, which times the two
 * in ONE JVM in alternating batches of ~100 ms of thread CPU time (field, record, record, field,
 * ...; as {@link JarAB}) and prints the median ratio over the rounds:
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar io.kafkaenvelope.benchmarks.micro.AvroFieldBenchmark 40
 * </pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class AvroFieldBenchmark {

  static final String SCHEMA_LOCATION = "classpath:avro/bench-order.avsc";
  static final Schema SCHEMA;

  static {
    try (java.io.InputStream in = AvroFieldBenchmark.class.getClassLoader()
        .getResourceAsStream("avro/bench-order.avsc")) {
      SCHEMA = new Schema.Parser().parse(in);
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The 3 encrypted fields of field mode. */
  static final String FIELDS = "ssn,email,card";

  @State(Scope.Benchmark)
  public static class Shared {
    GenericRecord record;
    EncryptingAvroSerializer<GenericRecord> field;
    EncryptingAvroSerializer<GenericRecord> whole;
    DecryptingAvroDeserializer<GenericRecord> reader;
    byte[] fieldBytes;
    Headers fieldHeaders;
    byte[] wholeBytes;
    Headers wholeHeaders;
    int encodedSize;

    @Setup(Level.Trial)
    public void setUp() {
      record = record();
      Map<String, Object> base = Fixtures.envelopeConfig();
      Map<String, Object> fieldConfig = new java.util.HashMap<>(base);
      fieldConfig.put("envelope.mode", "field");
      fieldConfig.put("envelope.fields", FIELDS);
      field = new EncryptingAvroSerializer<>();
      field.configure(fieldConfig, false);
      whole = new EncryptingAvroSerializer<>();
      whole.configure(base, false);
      reader = new DecryptingAvroDeserializer<>();
      Map<String, Object> readerConfig = new java.util.HashMap<>(fieldConfig);
      readerConfig.remove("envelope.mode");
      // the reader knows the writer schema as a registry-less consumer does
      readerConfig.put("envelope.avro.writer.schemas", SCHEMA_LOCATION);
      reader.configure(readerConfig, false);
      fieldHeaders = new RecordHeaders();
      fieldBytes = field.serialize(Fixtures.TOPIC, fieldHeaders, record);
      wholeHeaders = new RecordHeaders();
      wholeBytes = whole.serialize(Fixtures.TOPIC, wholeHeaders, record);
      encodedSize = new io.kafkaenvelope.avro.AvroSingleObjectSerializer<GenericRecord>()
          .serialize(Fixtures.TOPIC, record).length;
      if (!record.equals(reader.deserialize(Fixtures.TOPIC, fieldHeaders, fieldBytes))
          || !record.toString().equals(String.valueOf(reader.deserialize(Fixtures.TOPIC,
              wholeHeaders, wholeBytes)))) {
        throw new IllegalStateException("the record does not round-trip");
      }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      field.close();
      whole.close();
      reader.close();
    }
  }

  /** A record whose single-object encoding is about 1 KiB. */
  static GenericRecord record() {
    GenericRecord r = new GenericData.Record(SCHEMA);
    r.put("id", "order-2c5e9a41-7d3f-4b8e-9a61-5f0c2d7e8b13");
    r.put("customer", "Ada Lovelace");
    r.put("ssn", "078-05-1120");
    r.put("email", "ada.lovelace@example.com");
    r.put("card", "4111 1111 1111 1111");
    r.put("street", "12 Analytical Engine Street");
    r.put("city", "London");
    r.put("amountCents", 129_900L);
    r.put("createdAt", 1_764_547_200_000L);
    List<String> items = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      items.add("sku-" + (1000 + i) + " difference engine part " + i);
    }
    r.put("items", items);
    r.put("note", "x".repeat(560));
    return r;
  }

  @Benchmark
  public byte[] fieldEncrypt(Shared s) {
    return s.field.serialize(Fixtures.TOPIC, new RecordHeaders(), s.record);
  }

  @Benchmark
  public byte[] recordEncrypt(Shared s) {
    return s.whole.serialize(Fixtures.TOPIC, new RecordHeaders(), s.record);
  }

  @Benchmark
  public Object fieldDecrypt(Shared s) {
    return s.reader.deserialize(Fixtures.TOPIC, s.fieldHeaders, s.fieldBytes);
  }

  @Benchmark
  public Object recordDecrypt(Shared s) {
    return s.reader.deserialize(Fixtures.TOPIC, s.wholeHeaders, s.wholeBytes);
  }

  // ------------------------------------------------------------------ one-JVM alternation

  private static final long BATCH_NANOS = 100_000_000L;
  private static volatile Object sink;

  /** {@code AvroFieldBenchmark [rounds=40]}: field vs record, encrypt and decrypt. */
  public static void main(String[] args) {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 40;
    Shared s = new Shared();
    s.setUp();
    AvroFieldBenchmark b = new AvroFieldBenchmark();
    System.out.printf("record: %d B single-object encoded, %d B field mode, %d B record mode; "
        + "rounds=%d, load %s%n", s.encodedSize, s.fieldBytes.length, s.wholeBytes.length,
        rounds, load());
    compare("encrypt", () -> b.fieldEncrypt(s), () -> b.recordEncrypt(s), rounds);
    compare("decrypt", () -> b.fieldDecrypt(s), () -> b.recordDecrypt(s), rounds);
    System.out.printf("load at the end %s%n", load());
    s.tearDown();
  }

  private static void compare(String what, Supplier<Object> field, Supplier<Object> record,
      int rounds) {
    long n = calibrate(record);
    for (int i = 0; i < 20; i++) {
      batch(field, n);
      batch(record, n);
    }
    double[] ratio = new double[rounds];
    double[] nsField = new double[rounds];
    double[] nsRecord = new double[rounds];
    double[] bField = new double[rounds];
    double[] bRecord = new double[rounds];
    for (int r = 0; r < rounds; r++) {
      double[] f;
      double[] w;
      if (r % 2 == 0) {
        f = batch(field, n);
        w = batch(record, n);
      } else {
        w = batch(record, n);
        f = batch(field, n);
      }
      ratio[r] = f[0] / w[0];
      nsField[r] = f[0];
      nsRecord[r] = w[0];
      bField[r] = f[1];
      bRecord[r] = w[1];
    }
    double[] sorted = ratio.clone();
    Arrays.sort(sorted);
    System.out.printf("%s: field/record median %.2f (quartiles %.2f-%.2f); field %.0f ns/op "
        + "%.0f B/op, record %.0f ns/op %.0f B/op%n", what, median(ratio),
        sorted[rounds / 4], sorted[(3 * rounds) / 4], median(nsField), median(bField),
        median(nsRecord), median(bRecord));
  }

  /** {CPU ns/op, bytes allocated/op} over {@code n} calls. */
  private static double[] batch(Supplier<Object> op, long n) {
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long bytes0 = threads.getCurrentThreadAllocatedBytes();
    long t0 = threads.getCurrentThreadCpuTime();
    Object last = null;
    for (long i = 0; i < n; i++) {
      last = op.get();
    }
    long t1 = threads.getCurrentThreadCpuTime();
    long bytes1 = threads.getCurrentThreadAllocatedBytes();
    sink = last;
    return new double[] {(t1 - t0) / (double) n, (bytes1 - bytes0) / (double) n};
  }

  private static long calibrate(Supplier<Object> op) {
    long n = 1_000;
    while (true) {
      long took = (long) (batch(op, n)[0] * n);
      if (took >= BATCH_NANOS / 4) {
        return Math.max(1, n * BATCH_NANOS / took);
      }
      n *= 4;
    }
  }

  private static double median(double[] values) {
    double[] v = values.clone();
    Arrays.sort(v);
    int m = v.length / 2;
    return v.length % 2 == 1 ? v[m] : (v[m - 1] + v[m]) / 2;
  }

  private static String load() {
    return String.format("%.2f", ManagementFactory.getOperatingSystemMXBean()
        .getSystemLoadAverage());
  }
}
