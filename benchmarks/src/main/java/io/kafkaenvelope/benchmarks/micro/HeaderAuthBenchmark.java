package io.kafkaenvelope.benchmarks.micro;

import io.kafkaenvelope.internal.wire.WireFormat;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
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
 * Three ways to bind the envelope header to a record's AES-256-GCM ciphertext, side by side with
 * the real header of each KMS shape (in-memory, AWS-sized, Vault-sized):
 * <ul>
 *   <li>{@code full}: the whole header as associated data of every record (format versions 1-3);
 *   <li>{@code digest}: SHA-256 of the header, computed once per header, as the associated data
 *       (32 bytes, whatever the header's length);
 *   <li>{@code subkey}: no associated data; the record is sealed under a key derived once per
 *       (DEK, header) with HKDF-SHA256 whose info is the header, so a changed header derives
 *       another key and fails authentication.
 * </ul>
 * The per-header work (digest, derivation) is done in set-up: a producer does it once per DEK and
 * topic, a consumer once per DEK it meets. Each call is one record: a counter nonce laid into the
 * output array as the serializer does, {@code init}, associated data if any, {@code doFinal}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class HeaderAuthBenchmark {

  private static final int TAG_BITS = WireFormat.TAG_LENGTH * 8;

  @State(Scope.Benchmark)
  public static class Shared {
    @Param({"1024"})
    public int size;

    @Param({Fixtures.IN_MEMORY, Fixtures.AWS, Fixtures.VAULT})
    public String header;

    byte[] value;
    byte[] headerBytes;
    byte[] digest;
    SecretKeySpec dek;
    SecretKeySpec subkey;
    byte[] sealedFull;
    byte[] sealedDigest;
    byte[] sealedSubkey;
    final AtomicLong counter = new AtomicLong();

    @Setup(Level.Trial)
    public void setUp() throws GeneralSecurityException {
      value = Fixtures.payload(size);
      headerBytes = Fixtures.header(header);
      digest = MessageDigest.getInstance("SHA-256").digest(headerBytes);
      dek = (SecretKeySpec) Fixtures.aesKey();
      subkey = hkdf(dek.getEncoded(), headerBytes);
      Cipher c = Fixtures.newCipher();
      sealedFull = seal(c, dek, headerBytes, this);
      sealedDigest = seal(c, dek, digest, this);
      sealedSubkey = seal(c, subkey, null, this);
    }
  }

  @State(Scope.Thread)
  public static class PerThread {
    final Cipher cipher = Fixtures.newCipher();
  }

  /** HKDF-SHA256 (RFC 5869), no salt, 32 bytes: one expand block. */
  static SecretKeySpec hkdf(byte[] ikm, byte[] info) throws GeneralSecurityException {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(new byte[32], "HmacSHA256"));
    byte[] prk = mac.doFinal(ikm);
    mac.init(new SecretKeySpec(prk, "HmacSHA256"));
    mac.update(info);
    mac.update((byte) 1);
    return new SecretKeySpec(mac.doFinal(), "AES");
  }

  static byte[] seal(Cipher cipher, SecretKey key, byte[] aad, Shared s)
      throws GeneralSecurityException {
    byte[] out = new byte[WireFormat.NONCE_LENGTH + s.value.length + WireFormat.TAG_LENGTH];
    long c = s.counter.getAndIncrement();
    for (int i = 11; i >= 4; i--) {
      out[i] = (byte) c;
      c >>>= 8;
    }
    cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, out, 0,
        WireFormat.NONCE_LENGTH));
    if (aad != null) {
      cipher.updateAAD(aad);
    }
    cipher.doFinal(s.value, 0, s.value.length, out, WireFormat.NONCE_LENGTH);
    return out;
  }

  static byte[] open(Cipher cipher, SecretKey key, byte[] aad, byte[] in)
      throws GeneralSecurityException {
    cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, in, 0,
        WireFormat.NONCE_LENGTH));
    if (aad != null) {
      cipher.updateAAD(aad);
    }
    return cipher.doFinal(in, WireFormat.NONCE_LENGTH, in.length - WireFormat.NONCE_LENGTH);
  }

  @Benchmark
  public byte[] sealFull(Shared s, PerThread t) throws GeneralSecurityException {
    return seal(t.cipher, s.dek, s.headerBytes, s);
  }

  @Benchmark
  public byte[] sealDigest(Shared s, PerThread t) throws GeneralSecurityException {
    return seal(t.cipher, s.dek, s.digest, s);
  }

  @Benchmark
  public byte[] sealSubkey(Shared s, PerThread t) throws GeneralSecurityException {
    return seal(t.cipher, s.subkey, null, s);
  }

  @Benchmark
  public byte[] openFull(Shared s, PerThread t) throws GeneralSecurityException {
    return open(t.cipher, s.dek, s.headerBytes, s.sealedFull);
  }

  @Benchmark
  public byte[] openDigest(Shared s, PerThread t) throws GeneralSecurityException {
    return open(t.cipher, s.dek, s.digest, s.sealedDigest);
  }

  @Benchmark
  public byte[] openSubkey(Shared s, PerThread t) throws GeneralSecurityException {
    return open(t.cipher, s.subkey, null, s.sealedSubkey);
  }
}
