package io.kafkaenvelope.benchmarks.micro;

import io.kafkaenvelope.serde.DecryptingDeserializer;
import io.kafkaenvelope.serde.EncryptingSerializer;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
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

/** Ours without headers (Kafka Streams state stores): the envelope framed inside the value. */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class InlineBenchmark {

  @State(Scope.Benchmark)
  public static class Shared {
    @Param({"1024"})
    public int size;

    byte[] value;
    EncryptingSerializer<byte[]> serializer;
    DecryptingDeserializer<byte[]> deserializer;
    byte[] frame;

    @Setup(Level.Trial)
    public void setUp() throws GeneralSecurityException {
      Fixtures.warmGcm(size);
      value = Fixtures.payload(size);
      serializer = Fixtures.serializer();
      deserializer = Fixtures.deserializer();
      frame = serializer.serialize(Fixtures.TOPIC, value);
      if (!Arrays.equals(value, deserializer.deserialize(Fixtures.TOPIC, frame))) {
        throw new IllegalStateException("round trip failed");
      }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      serializer.close();
      deserializer.close();
    }
  }

  @Benchmark
  public byte[] serialize(Shared s) {
    return s.serializer.serialize(Fixtures.TOPIC, s.value);
  }

  @Benchmark
  public byte[] deserialize(Shared s) {
    return s.deserializer.deserialize(Fixtures.TOPIC, s.frame);
  }
}
