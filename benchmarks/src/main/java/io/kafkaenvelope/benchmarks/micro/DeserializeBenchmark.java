package io.kafkaenvelope.benchmarks.micro;

import com.amazonaws.encryptionsdk.AwsCrypto;
import com.amazonaws.encryptionsdk.CryptoMaterialsManager;
import com.google.crypto.tink.Aead;
import io.kafkaenvelope.serde.DecryptingDeserializer;
import io.kafkaenvelope.serde.EncryptingSerializer;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
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
 * One protected record in, its plaintext value out. Each contender decrypts a record it produced
 * in set-up (checked once to round-trip), as a consumer meets records of a DEK it has seen.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class DeserializeBenchmark {

  @State(Scope.Benchmark)
  public static class Shared {
    @Param({"64", "1024", "16384", "1048576"})
    public int size;

    byte[] value;
    ByteArrayDeserializer plaintext;
    DecryptingDeserializer<byte[]> envelope;
    byte[] envelopeRecord;
    RecordHeaders envelopeHeaders;
    SecretKey key;
    byte[] rawRecord;
    Aead tink;
    byte[] tinkRecord;
    Aead tinkKmsEnvelope;
    byte[] tinkKmsEnvelopeRecord;
    AwsCrypto aws;
    CryptoMaterialsManager awsCmm;
    byte[] awsRecord;

    @Setup(Level.Trial)
    public void setUp() throws GeneralSecurityException {
      Fixtures.warmGcm(size);
      value = Fixtures.payload(size);
      plaintext = new ByteArrayDeserializer();
      try (EncryptingSerializer<byte[]> ser = Fixtures.serializer()) {
        envelopeHeaders = new RecordHeaders();
        envelopeRecord = ser.serialize(Fixtures.TOPIC, envelopeHeaders, value);
      }
      envelopeHeaders.setReadOnly(); // as on a consumed record
      envelope = Fixtures.deserializer();
      check(envelope.deserialize(Fixtures.TOPIC, envelopeHeaders, envelopeRecord));
      key = Fixtures.aesKey();
      Cipher c = Fixtures.newCipher();
      rawRecord = Fixtures.rawEncrypt(c, key, value);
      check(Fixtures.rawDecrypt(c, key, rawRecord));
      tink = Fixtures.tinkAead();
      tinkRecord = tink.encrypt(value, null);
      check(tink.decrypt(tinkRecord, null));
      tinkKmsEnvelope = Fixtures.tinkKmsEnvelope();
      tinkKmsEnvelopeRecord = tinkKmsEnvelope.encrypt(value, null);
      check(tinkKmsEnvelope.decrypt(tinkKmsEnvelopeRecord, null));
      aws = Fixtures.awsCrypto();
      awsCmm = Fixtures.awsCachingCmm();
      awsRecord = aws.encryptData(awsCmm, value).getResult();
      check(aws.decryptData(awsCmm, awsRecord).getResult());
    }

    private void check(byte[] decrypted) {
      if (!Arrays.equals(value, decrypted)) {
        throw new IllegalStateException("round trip failed");
      }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      envelope.close();
    }
  }

  @State(Scope.Thread)
  public static class PerThread {
    final Cipher cipher = Fixtures.newCipher();
  }

  /** The floor: Kafka's own byte-array deserializer (returns its input). */
  @Benchmark
  public byte[] plaintext(Shared s) {
    return s.plaintext.deserialize(Fixtures.TOPIC, s.envelopeHeaders, s.value);
  }

  /** Ours, header mode, DEK already unwrapped. */
  @Benchmark
  public byte[] envelope(Shared s) {
    return s.envelope.deserialize(Fixtures.TOPIC, s.envelopeHeaders, s.envelopeRecord);
  }

  @Benchmark
  public byte[] rawAesGcm(Shared s, PerThread t) throws GeneralSecurityException {
    return Fixtures.rawDecrypt(t.cipher, s.key, s.rawRecord);
  }

  @Benchmark
  public byte[] tinkAead(Shared s) throws GeneralSecurityException {
    return s.tink.decrypt(s.tinkRecord, null);
  }

  @Benchmark
  public byte[] tinkKmsEnvelope(Shared s) throws GeneralSecurityException {
    return s.tinkKmsEnvelope.decrypt(s.tinkKmsEnvelopeRecord, null);
  }

  @Benchmark
  public byte[] awsEsdkCaching(Shared s) {
    return s.aws.decryptData(s.awsCmm, s.awsRecord).getResult();
  }
}
