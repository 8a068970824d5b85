package io.kafkaenvelope.benchmarks.micro;

import io.kafkaenvelope.serde.DecryptingDeserializer;
import io.kafkaenvelope.serde.EncryptingSerializer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
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
 * A 36-byte record key (a UUID string) through the key serializer: {@code envelope.mode=
 * deterministic} (AES-SIV under the derived key, the inline version 4 frame) against record mode
 * (AES-GCM, header framing) and back. The derived key is in the cache after set-up, as on every
 * record after a process's first.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class DeterministicKeyBenchmark {

  @State(Scope.Benchmark)
  public static class Shared {
    byte[] key;
    EncryptingSerializer<byte[]> deterministic;
    EncryptingSerializer<byte[]> record;
    DecryptingDeserializer<byte[]> reader;
    byte[] sealed;

    @Setup(Level.Trial)
    public void setUp() {
      key = "8c7e1a52-3b9d-4f6e-a1c2-0d4b5e6f7a81".getBytes(StandardCharsets.US_ASCII);
      Map<String, Object> det = Fixtures.envelopeConfig();
      det.put("envelope.mode", "deterministic");
      deterministic = new EncryptingSerializer<>(new ByteArraySerializer());
      deterministic.configure(det, true);
      record = new EncryptingSerializer<>(new ByteArraySerializer());
      record.configure(Fixtures.envelopeConfig(), true);
      reader = new DecryptingDeserializer<>(new ByteArrayDeserializer());
      reader.configure(Fixtures.envelopeConfig(), true);
      sealed = deterministic.serialize(Fixtures.TOPIC, key);
      if (!Arrays.equals(sealed, deterministic.serialize(Fixtures.TOPIC, key))
          || !Arrays.equals(key, reader.deserialize(Fixtures.TOPIC, sealed))) {
        throw new IllegalStateException("deterministic key does not round-trip");
      }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      deterministic.close();
      record.close();
      reader.close();
    }
  }

  @Benchmark
  public byte[] deterministicEncrypt(Shared s) {
    return s.deterministic.serialize(Fixtures.TOPIC, new RecordHeaders(), s.key);
  }

  @Benchmark
  public byte[] deterministicDecrypt(Shared s) {
    return s.reader.deserialize(Fixtures.TOPIC, s.sealed);
  }

  @Benchmark
  public byte[] recordModeEncrypt(Shared s) {
    return s.record.serialize(Fixtures.TOPIC, new RecordHeaders(), s.key);
  }
}
