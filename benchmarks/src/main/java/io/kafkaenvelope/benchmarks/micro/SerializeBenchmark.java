package io.kafkaenvelope.benchmarks.micro;

import com.amazonaws.encryptionsdk.AwsCrypto;
import com.amazonaws.encryptionsdk.CryptoMaterialsManager;
import com.google.crypto.tink.Aead;
import io.kafkaenvelope.serde.EncryptingSerializer;
import java.security.GeneralSecurityException;
import java.util.concurrent.TimeUnit;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
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
 * One record's value in, its protected bytes out. Shared state (serializer, keys, SDK clients) is
 * shared by all benchmark threads as in a producer; per-thread state is what each sending thread
 * would own anyway (its record's headers, a JCA {@code Cipher}).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class SerializeBenchmark {

  @State(Scope.Benchmark)
  public static class Shared {
    @Param({"64", "1024", "16384", "1048576"})
    public int size;

    byte[] value;
    ByteArraySerializer plaintext;
    EncryptingSerializer<byte[]> envelope;
    SecretKey key;
    Aead tink;
    Aead tinkKmsEnvelope;
    AwsCrypto aws;
    CryptoMaterialsManager awsCmm;

    @Setup(Level.Trial)
    public void setUp() throws GeneralSecurityException {
      Fixtures.warmGcm(size);
      value = Fixtures.payload(size);
      plaintext = new ByteArraySerializer();
      envelope = Fixtures.serializer();
      key = Fixtures.aesKey();
      tink = Fixtures.tinkAead();
      tinkKmsEnvelope = Fixtures.tinkKmsEnvelope();
      aws = Fixtures.awsCrypto();
      awsCmm = Fixtures.awsCachingCmm();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      envelope.close();
    }
  }

  @State(Scope.Thread)
  public static class PerThread {
    // The producer makes one RecordHeaders per record; reusing one keeps that cost out while the
    // serializer's remove/add of its header is measured.
    final RecordHeaders headers = new RecordHeaders();
    final Cipher cipher = Fixtures.newCipher();
  }

  /** The floor: Kafka's own byte-array serializer (returns its input). */
  @Benchmark
  public byte[] plaintext(Shared s, PerThread t) {
    return s.plaintext.serialize(Fixtures.TOPIC, t.headers, s.value);
  }

  /** Ours, header mode, warm DEK. */
  @Benchmark
  public byte[] envelope(Shared s, PerThread t) {
    return s.envelope.serialize(Fixtures.TOPIC, t.headers, s.value);
  }

  /** Raw JCA AES-256-GCM one-shot with a random nonce: the practical limit. */
  @Benchmark
  public byte[] rawAesGcm(Shared s, PerThread t) throws GeneralSecurityException {
    return Fixtures.rawEncrypt(t.cipher, s.key, s.value);
  }

  @Benchmark
  public byte[] tinkAead(Shared s) throws GeneralSecurityException {
    return s.tink.encrypt(s.value, null);
  }

  @Benchmark
  public byte[] tinkKmsEnvelope(Shared s) throws GeneralSecurityException {
    return s.tinkKmsEnvelope.encrypt(s.value, null);
  }

  @Benchmark
  public byte[] awsEsdkCaching(Shared s) {
    return s.aws.encryptData(s.awsCmm, s.value).getResult();
  }
}
