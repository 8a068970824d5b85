package io.kafkaenvelope.benchmarks.micro;

import io.kafkaenvelope.serde.DecryptingDeserializer;
import io.kafkaenvelope.serde.EncryptingSerializer;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Our serializer and deserializer (header mode, warm DEK, defaults) with the envelope header of
 * each KMS shape: the in-memory KMS's (65-byte wrapped DEK), AWS KMS's (184-byte ciphertext blob,
 * key ARN as KEK id and version) and Vault Transit's ({@code vault:v1:...}), see
 * {@link ShapedKmsProvider}. The header is every record's associated data and rides on every
 * record, so this is what a real KMS's header costs per record. {@code format} is
 * {@code envelope.format.version}: 1 (the header as associated data) or 6 (a per-header subkey).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class HeaderSizeBenchmark {

  @State(Scope.Benchmark)
  public static class Shared {
    @Param({"64", "1024"})
    public int size;

    @Param({Fixtures.IN_MEMORY, Fixtures.AWS, Fixtures.VAULT})
    public String header = Fixtures.IN_MEMORY;

    @Param({"1", "6"})
    public String format = "1";

    byte[] value;
    EncryptingSerializer<byte[]> serializer;
    DecryptingDeserializer<byte[]> deserializer;
    byte[] record;
    RecordHeaders recordHeaders;

    @Setup(Level.Trial)
    public void setUp() {
      value = Fixtures.payload(size);
      serializer = Fixtures.serializer(header, format);
      recordHeaders = new RecordHeaders();
      record = serializer.serialize(Fixtures.TOPIC, recordHeaders, value);
      recordHeaders.setReadOnly(); // as on a consumed record
      deserializer = Fixtures.deserializer(header);
      if (!Arrays.equals(value, deserializer.deserialize(Fixtures.TOPIC, recordHeaders, record))) {
        throw new IllegalStateException("round trip failed");
      }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      serializer.close();
      deserializer.close();
    }
  }

  @State(Scope.Thread)
  public static class PerThread {
    // as SerializeBenchmark: one RecordHeaders per thread, the serializer's remove/add measured
    final RecordHeaders headers = new RecordHeaders();
  }

  @Benchmark
  public byte[] serialize(Shared s, PerThread t) {
    return s.serializer.serialize(Fixtures.TOPIC, t.headers, s.value);
  }

  @Benchmark
  public byte[] deserialize(Shared s) {
    return s.deserializer.deserialize(Fixtures.TOPIC, s.recordHeaders, s.record);
  }
}
