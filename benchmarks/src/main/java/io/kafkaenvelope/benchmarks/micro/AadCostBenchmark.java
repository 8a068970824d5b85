package io.kafkaenvelope.benchmarks.micro;

import java.security.GeneralSecurityException;
import java.util.concurrent.TimeUnit;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
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

/**
 * Takes the serializer's cost apart at one size. {@code serialize}/{@code deserialize}: raw JCA
 * AES-256-GCM (random nonce) with associated data as long as our envelope header, which is the AAD
 * of every record: what authenticating the header costs in the provider. {@code core*}:
 * serde-core's {@code AesGcm} alone with a counter nonce and the real header as AAD: the
 * serializer minus this is the serde's own code (DEK lease, nonce, header lookup, record headers).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class AadCostBenchmark {

  @State(Scope.Benchmark)
  public static class Shared {
    @Param({"1024"})
    public int size;

    byte[] value;
    byte[] aad;
    SecretKey key;
    byte[] sealed;
    byte[] header;
    javax.crypto.spec.SecretKeySpec coreKey;
    byte[] coreSealed;
    final java.util.concurrent.atomic.AtomicLong counter =
        new java.util.concurrent.atomic.AtomicLong();

    @Setup(Level.Trial)
    public void setUp() throws GeneralSecurityException {
      Fixtures.warmGcm(size);
      value = Fixtures.payload(size);
      try (var ser = Fixtures.serializer()) {
        RecordHeaders h = new RecordHeaders();
        ser.serialize(Fixtures.TOPIC, h, value);
        header = h.lastHeader("kafka-envelope.value").value();
        aad = Fixtures.payload(header.length);
      }
      coreKey = (javax.crypto.spec.SecretKeySpec) Fixtures.aesKey();
      coreSealed = core(this);
      key = Fixtures.aesKey();
      sealed = encrypt(Fixtures.newCipher(), key, aad, value);
    }
  }

  @State(Scope.Thread)
  public static class PerThread {
    final Cipher cipher = Fixtures.newCipher();
  }

  static byte[] encrypt(Cipher cipher, SecretKey key, byte[] aad, byte[] plaintext)
      throws GeneralSecurityException {
    byte[] out = new byte[Fixtures.NONCE + plaintext.length + Fixtures.TAG_BITS / 8];
    byte[] nonce = new byte[Fixtures.NONCE];
    Fixtures.RANDOM.nextBytes(nonce);
    System.arraycopy(nonce, 0, out, 0, Fixtures.NONCE);
    cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(Fixtures.TAG_BITS, nonce));
    cipher.updateAAD(aad);
    cipher.doFinal(plaintext, 0, plaintext.length, out, Fixtures.NONCE);
    return out;
  }

  @Benchmark
  public byte[] serialize(Shared s, PerThread t) throws GeneralSecurityException {
    return encrypt(t.cipher, s.key, s.aad, s.value);
  }

  @Benchmark
  public byte[] deserialize(Shared s, PerThread t) throws GeneralSecurityException {
    Cipher c = t.cipher;
    byte[] in = s.sealed;
    c.init(Cipher.DECRYPT_MODE, s.key, new GCMParameterSpec(Fixtures.TAG_BITS, in, 0,
        Fixtures.NONCE));
    c.updateAAD(s.aad);
    return c.doFinal(in, Fixtures.NONCE, in.length - Fixtures.NONCE);
  }

  static byte[] core(Shared s) throws GeneralSecurityException {
    byte[] out = new byte[io.kafkaenvelope.internal.wire.SealedRecord.sealedLength(s.value.length)];
    long c = s.counter.getAndIncrement();
    for (int i = 11; i >= 4; i--) {
      out[i] = (byte) c;
      c >>>= 8;
    }
    io.kafkaenvelope.internal.crypto.AesGcm.seal(s.coreKey, s.header, out, 0, 0, 0, s.value, 0,
        s.value.length);
    return out;
  }

  @Benchmark
  public byte[] coreSerialize(Shared s) throws GeneralSecurityException {
    return core(s);
  }

  @Benchmark
  public byte[] coreDeserialize(Shared s) throws GeneralSecurityException {
    return io.kafkaenvelope.internal.crypto.AesGcm.open(s.coreKey, s.header, 0, s.header.length,
        s.coreSealed, 0, 0);
  }
}
