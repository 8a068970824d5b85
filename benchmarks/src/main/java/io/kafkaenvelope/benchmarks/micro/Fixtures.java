package io.kafkaenvelope.benchmarks.micro;

import com.amazonaws.encryptionsdk.AwsCrypto;
import com.amazonaws.encryptionsdk.CommitmentPolicy;
import com.amazonaws.encryptionsdk.CryptoAlgorithm;
import com.amazonaws.encryptionsdk.CryptoMaterialsManager;
import com.amazonaws.encryptionsdk.caching.CachingCryptoMaterialsManager;
import com.amazonaws.encryptionsdk.caching.LocalCryptoMaterialsCache;
import com.amazonaws.encryptionsdk.jce.JceMasterKey;
import com.google.crypto.tink.Aead;
import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.RegistryConfiguration;
import com.google.crypto.tink.aead.AeadConfig;
import com.google.crypto.tink.aead.KmsEnvelopeAead;
import com.google.crypto.tink.aead.PredefinedAeadParameters;
import io.kafkaenvelope.serde.DecryptingDeserializer;
import io.kafkaenvelope.serde.EncryptingSerializer;
import java.security.GeneralSecurityException;
import java.security.Provider;
import java.security.SecureRandom;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** What the micro-benchmarks encrypt with: our serde and the peers, each set up as its docs say. */
final class Fixtures {

  static final String TOPIC = "bench-topic";
  static final int NONCE = 12;
  static final int TAG_BITS = 128;
  /** The practical raw JCA idiom: one shared SecureRandom (NativePRNG here) for the nonces. */
  static final SecureRandom RANDOM = new SecureRandom();

  private Fixtures() {}

  static byte[] payload(int size) {
    byte[] b = new byte[size];
    new SecureRandom().nextBytes(b);
    return b;
  }

  /** Our serde's settings: the in-memory KMS (one call per DEK), defaults for everything else. */
  static Map<String, Object> envelopeConfig() {
    return envelopeConfig(IN_MEMORY);
  }

  /** The header shapes: the in-memory KMS's own, and AWS KMS's and Vault's sizes. */
  static final String IN_MEMORY = "in-memory";
  static final String AWS = "aws";
  static final String VAULT = "vault";
  /** A key ARN as {@code envelope.kek.id}, as AWS users name their KEKs (75 bytes). */
  static final String AWS_KEY_ARN =
      "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";

  /**
   * As {@link #envelopeConfig()}, with the envelope header of {@code shape}: {@link #IN_MEMORY}
   * (65-byte wrapped DEK, KEK version {@code v1}), {@link #AWS} or {@link #VAULT} (see
   * {@link ShapedKmsProvider}).
   */
  static Map<String, Object> envelopeConfig(String shape) {
    Map<String, Object> c = new HashMap<>();
    switch (shape) {
      case IN_MEMORY -> {
        c.put("envelope.kms.type", "in-memory");
        c.put("envelope.kms.memory.name", "benchmarks");
        c.put("envelope.kek.id", "bench-kek");
      }
      case AWS, VAULT -> {
        c.put("envelope.kms.type", ShapedKmsProvider.TYPE);
        c.put(ShapedKmsProvider.SHAPE, shape);
        c.put("envelope.kek.id", shape.equals(AWS) ? AWS_KEY_ARN : "bench-kek");
      }
      default -> throw new IllegalArgumentException("unknown header shape " + shape);
    }
    return c;
  }

  static EncryptingSerializer<byte[]> serializer() {
    return serializer(IN_MEMORY);
  }

  static EncryptingSerializer<byte[]> serializer(String shape) {
    return serializer(shape, "1");
  }

  /** With {@code envelope.format.version} {@code formatVersion} (1 or 6). */
  static EncryptingSerializer<byte[]> serializer(String shape, String formatVersion) {
    EncryptingSerializer<byte[]> s = new EncryptingSerializer<>(new ByteArraySerializer());
    Map<String, Object> c = envelopeConfig(shape);
    c.put("envelope.format.version", formatVersion);
    s.configure(c, false);
    return s;
  }

  static DecryptingDeserializer<byte[]> deserializer() {
    return deserializer(IN_MEMORY);
  }

  static DecryptingDeserializer<byte[]> deserializer(String shape) {
    DecryptingDeserializer<byte[]> d = new DecryptingDeserializer<>(new ByteArrayDeserializer());
    d.configure(envelopeConfig(shape), false);
    return d;
  }

  /** The envelope header our serializer puts on a record of {@code shape}. */
  static byte[] header(String shape) {
    try (EncryptingSerializer<byte[]> ser = serializer(shape)) {
      org.apache.kafka.common.header.internals.RecordHeaders h =
          new org.apache.kafka.common.header.internals.RecordHeaders();
      ser.serialize(TOPIC, h, new byte[16]);
      return h.lastHeader("kafka-envelope.value").value();
    }
  }

  static SecretKey aesKey() {
    byte[] k = new byte[32];
    RANDOM.nextBytes(k);
    return new SecretKeySpec(k, "AES");
  }

  /** Raw JCA one-shot: random nonce, one output array holding nonce | ciphertext | tag. */
  static byte[] rawEncrypt(Cipher cipher, SecretKey key, byte[] plaintext)
      throws GeneralSecurityException {
    byte[] out = new byte[NONCE + plaintext.length + TAG_BITS / 8];
    byte[] nonce = new byte[NONCE];
    RANDOM.nextBytes(nonce);
    System.arraycopy(nonce, 0, out, 0, NONCE);
    cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
    cipher.doFinal(plaintext, 0, plaintext.length, out, NONCE);
    return out;
  }

  static byte[] rawDecrypt(Cipher cipher, SecretKey key, byte[] sealed)
      throws GeneralSecurityException {
    cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, sealed, 0, NONCE));
    return cipher.doFinal(sealed, NONCE, sealed.length - NONCE);
  }

  /**
   * The raw baseline uses the provider serde-core's AesGcm uses: the Amazon Corretto Crypto
   * Provider when its jar is on the classpath, else the JDK's default (SunJCE).
   */
  static Cipher newCipher() {
    try {
      Provider accp = accp();
      return accp == null ? Cipher.getInstance("AES/GCM/NoPadding")
          : Cipher.getInstance("AES/GCM/NoPadding", accp);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  static Provider accp() {
    try {
      return (Provider) Class.forName(
          "com.amazon.corretto.crypto.provider.AmazonCorrettoCryptoProvider")
          .getField("INSTANCE").get(null);
    } catch (ReflectiveOperationException e) {
      return null;
    }
  }

  static Aead tinkAead() throws GeneralSecurityException {
    AeadConfig.register();
    return KeysetHandle.generateNew(PredefinedAeadParameters.AES256_GCM)
        .getPrimitive(RegistryConfiguration.get(), Aead.class);
  }

  /** Tink's envelope AEAD: a fresh DEK wrapped by the (local) KEK on every encrypt. */
  static Aead tinkKmsEnvelope() throws GeneralSecurityException {
    return KmsEnvelopeAead.create(PredefinedAeadParameters.AES256_GCM, tinkAead());
  }

  /**
   * The AWS Encryption SDK with its committing suite without signatures (AES-256-GCM, HKDF-SHA512,
   * key commitment), the like-for-like peer: our envelope is not signed either. The SDK's default
   * adds an ECDSA P-384 signature per message, which costs milliseconds here.
   */
  static AwsCrypto awsCrypto() {
    return AwsCrypto.builder()
        .withCommitmentPolicy(CommitmentPolicy.RequireEncryptRequireDecrypt)
        .withEncryptionAlgorithm(CryptoAlgorithm.ALG_AES_256_GCM_HKDF_SHA512_COMMIT_KEY)
        .build();
  }

  /** Caching CMM over a raw AES master key, the SDK's recommended set-up for high volume. */
  static CryptoMaterialsManager awsCachingCmm() {
    JceMasterKey masterKey = JceMasterKey.getInstance(aesKey(), "benchmarks", "bench-kek",
        "AES/GCM/NoPadding");
    return CachingCryptoMaterialsManager.newBuilder()
        .withMasterKeyProvider(masterKey)
        .withCache(new LocalCryptoMaterialsCache(100))
        .withMaxAge(1, TimeUnit.HOURS)
        .withMessageUseLimit(10_000_000L) // as our serializer's default DEK record limit
        .build();
  }

  /**
   * Gets the JIT to compile SunJCE's AES-GCM path for large inputs before measuring. A 1 MiB array
   * passes through it in a few calls, so C2 (which uses the AES and GHASH intrinsics; C1's code
   * does not) would compile it only after ~15 s of interpreted ~40 MB/s, and a short warm-up would
   * time that. 16 KiB round trips get there within seconds; this runs them until a 1 MiB round
   * trip runs at over 1 GB/s each way (at most 60 s). Small sizes never take that path.
   */
  static void warmGcm(int size) throws GeneralSecurityException {
    if (size < 8192) {
      return;
    }
    Cipher c = newCipher();
    SecretKey k = aesKey();
    byte[] medium = payload(16 * 1024);
    byte[] large = payload(1024 * 1024);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    for (int i = 1; System.nanoTime() < deadline; i++) {
      rawDecrypt(c, k, rawEncrypt(c, k, medium));
      if (i % 500 == 0) {
        long t0 = System.nanoTime();
        rawDecrypt(c, k, rawEncrypt(c, k, large));
        if (System.nanoTime() - t0 < 2_000_000) {
          return;
        }
      }
    }
    System.err.println("warning: AES-GCM still slow at 1 MiB after 60 s of warm-up");
  }
}
