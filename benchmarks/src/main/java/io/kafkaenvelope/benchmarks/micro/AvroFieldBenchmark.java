package io.kafkaenvelope.benchmarks.micro;

import io.kafkaenvelope.avro.DecryptingAvroDeserializer;
import io.kafkaenvelope.avro.EncryptingAvroSerializer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
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
 * in ONE JVM with {@link Alternating} (alternating batches of ~100 ms of thread CPU time, the
 * order rotating each round, bytes allocated per operation) and prints the median ratio and
 * quartiles over the rounds:
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar io.kafkaenvelope.benchmarks.micro.AvroFieldBenchmark 30
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

  /**
   * {@code AvroFieldBenchmark [rounds=30] [out=benchmarks/target/results/avro-field.json]}: field
   * vs record mode, encrypt then decrypt, each timed by {@link Alternating} (field first, so the
   * record contender's {@code field/record} ratio is field mode's cost in record-mode units).
   */
  public static void main(String[] args) throws Throwable {
    String rounds = args.length > 0 ? args[0] : "30";
    String out = args.length > 1 ? args[1] : "benchmarks/target/results/avro-field.json";
    Shared s = new Shared();
    s.setUp();
    System.out.printf("record: %d B single-object encoded, %d B field mode (%d B of field "
        + "headers), %d B record mode%n", s.encodedSize, s.fieldBytes.length,
        headerBytes(s.fieldHeaders), s.wholeBytes.length);
    s.tearDown();
    String b = AvroFieldBenchmark.class.getSimpleName();
    Alternating.main(new String[] {"--rounds", rounds, "--name", "avro-1k-3-fields-encrypt",
        "--out", out, "field=" + b + ".fieldEncrypt", "record=" + b + ".recordEncrypt"});
    Alternating.main(new String[] {"--rounds", rounds, "--name", "avro-1k-3-fields-decrypt",
        "--out", out, "--append", "field=" + b + ".fieldDecrypt",
        "record=" + b + ".recordDecrypt"});
  }

  private static int headerBytes(Headers headers) {
    int n = 0;
    for (org.apache.kafka.common.header.Header h : headers) {
      n += h.key().length() + h.value().length;
    }
    return n;
  }
}
