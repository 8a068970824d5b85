package io.kafkaenvelope.kms.memory;

import io.kafkaenvelope.kms.DataKey;
import io.kafkaenvelope.kms.EncryptionContext;
import io.kafkaenvelope.kms.KeyManagementService;
import io.kafkaenvelope.kms.KmsException;
import io.kafkaenvelope.kms.KmsException.Reason;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * A KMS held in memory, for tests: it counts calls and can be told to fail or stall. Instances are
 * named ({@code envelope.kms.memory.name}) so a test can reach the one its serializers use with
 * {@link #named(String)}. KEKs are created on first use unless {@link #strict()} is set, and can be
 * rotated to a new version. Never use it outside tests: keys vanish with the JVM.
 */
public final class InMemoryKms {

  private static final Map<String, InMemoryKms> INSTANCES = new ConcurrentHashMap<>();
  private static final SecureRandom RANDOM = new SecureRandom();

  private final String name;
  private final Map<String, List<SecretKeySpec>> keks = new ConcurrentHashMap<>();
  private final AtomicInteger generateCalls = new AtomicInteger();
  private final AtomicInteger unwrapCalls = new AtomicInteger();
  private final AtomicInteger deriveCalls = new AtomicInteger();
  private final AtomicInteger checkCalls = new AtomicInteger();
  private final java.util.Set<String> disabled = ConcurrentHashMap.newKeySet();
  private volatile Reason checkFailure;
  private volatile Reason generateFailure;
  private volatile Reason unwrapFailure;
  private volatile Reason deriveFailure;
  private volatile Duration latency = Duration.ZERO;
  private volatile boolean strict;

  private InMemoryKms(String name) {
    this.name = name;
  }

  /** The instance called {@code name}, created on first use. */
  public static InMemoryKms named(String name) {
    return INSTANCES.computeIfAbsent(name, InMemoryKms::new);
  }

  /** Only KEKs created with {@link #createKek} exist; others are KEY_NOT_FOUND. */
  public InMemoryKms strict() {
    strict = true;
    return this;
  }

  public InMemoryKms createKek(String kekId) {
    keks.computeIfAbsent(kekId, k -> new ArrayList<>(List.of(newKey())));
    return this;
  }

  /** Adds a new version of {@code kekId}; new DEKs use it, old ones still unwrap. */
  public synchronized InMemoryKms rotateKek(String kekId) {
    createKek(kekId);
    List<SecretKeySpec> versions = keks.get(kekId);
    synchronized (versions) {
      versions.add(newKey());
    }
    return this;
  }

  /** Every later call fails with {@code reason} until {@link #heal()}. */
  public InMemoryKms failWith(Reason reason) {
    generateFailure = reason;
    unwrapFailure = reason;
    deriveFailure = reason;
    checkFailure = reason;
    return this;
  }

  /** {@link KeyManagementService#checkKek} fails with {@code reason} until {@link #heal()}. */
  public InMemoryKms failCheckWith(Reason reason) {
    checkFailure = reason;
    return this;
  }

  /**
   * Disables {@code kekId}: every call under it fails with {@code KEY_DISABLED} until {@link
   * #heal()}, as a cloud KMS answers for a disabled key.
   */
  public InMemoryKms disable(String kekId) {
    disabled.add(kekId);
    return this;
  }

  public InMemoryKms failDeriveWith(Reason reason) {
    deriveFailure = reason;
    return this;
  }

  public InMemoryKms failGenerateWith(Reason reason) {
    generateFailure = reason;
    return this;
  }

  public InMemoryKms failUnwrapWith(Reason reason) {
    unwrapFailure = reason;
    return this;
  }

  /** Every later call takes at least {@code latency}. */
  public InMemoryKms stall(Duration latency) {
    this.latency = latency;
    return this;
  }

  /** Clears failures and latency. */
  public InMemoryKms heal() {
    generateFailure = null;
    unwrapFailure = null;
    deriveFailure = null;
    checkFailure = null;
    disabled.clear();
    latency = Duration.ZERO;
    return this;
  }

  public int generateCalls() {
    return generateCalls.get();
  }

  public int unwrapCalls() {
    return unwrapCalls.get();
  }

  /** Calls of {@link KeyManagementService#deriveKeyMaterial} (deterministic mode). */
  public int deriveCalls() {
    return deriveCalls.get();
  }

  /** Calls of {@link KeyManagementService#checkKek} (configure() and health() checks). */
  public int checkCalls() {
    return checkCalls.get();
  }

  public void resetCounters() {
    checkCalls.set(0);
    generateCalls.set(0);
    unwrapCalls.set(0);
    deriveCalls.set(0);
  }

  /** A client of this instance, as {@code envelope.kms.type=in-memory} creates. */
  public KeyManagementService client() {
    return new Client();
  }

  private final class Client implements KeyManagementService {
    @Override
    public DataKey generateDataKey(String kekId, EncryptionContext context) {
      generateCalls.incrementAndGet();
      await(generateFailure, kekId);
      checkDisabled(kekId);
      List<SecretKeySpec> versions = versions(kekId);
      int version;
      SecretKeySpec kek;
      synchronized (versions) {
        version = versions.size();
        kek = versions.get(version - 1);
      }
      byte[] dek = newKeyBytes();
      try {
        byte[] nonce = new byte[12];
        RANDOM.nextBytes(nonce);
        byte[] sealed = gcm(Cipher.ENCRYPT_MODE, kek, nonce, context, dek);
        byte[] wrapped = ByteBuffer.allocate(4 + 12 + sealed.length).putInt(version).put(nonce)
            .put(sealed).array();
        return new DataKey(dek, wrapped, "v" + version);
      } finally {
        Arrays.fill(dek, (byte) 0);
      }
    }

    @Override
    public byte[] unwrap(String kekId, byte[] wrappedKey, EncryptionContext context) {
      unwrapCalls.incrementAndGet();
      await(unwrapFailure, kekId);
      checkDisabled(kekId);
      List<SecretKeySpec> versions = keks.get(kekId);
      if (versions == null) {
        throw new KmsException(Reason.KEY_NOT_FOUND, kekId, "no such KEK in " + name);
      }
      if (wrappedKey.length < 4 + 12 + 16) {
        throw new KmsException(Reason.INVALID_CIPHERTEXT, kekId, "wrapped key too short");
      }
      ByteBuffer buf = ByteBuffer.wrap(wrappedKey);
      int version = buf.getInt();
      SecretKeySpec kek;
      synchronized (versions) {
        if (version < 1 || version > versions.size()) {
          throw new KmsException(Reason.INVALID_CIPHERTEXT, kekId, "unknown KEK version");
        }
        kek = versions.get(version - 1);
      }
      byte[] nonce = new byte[12];
      buf.get(nonce);
      byte[] sealed = new byte[buf.remaining()];
      buf.get(sealed);
      return gcm(Cipher.DECRYPT_MODE, kek, nonce, context, sealed);
    }

    /** HMAC-SHA256 under the KEK's first version: rotating the KEK does not change it. */
    @Override
    public byte[] deriveKeyMaterial(String kekId, EncryptionContext context) {
      deriveCalls.incrementAndGet();
      await(deriveFailure, kekId);
      checkDisabled(kekId);
      List<SecretKeySpec> versions = versions(kekId);
      SecretKeySpec first;
      synchronized (versions) {
        first = versions.get(0);
      }
      try {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(first.getEncoded(), "HmacSHA256"));
        return mac.doFinal(context.canonicalBytes());
      } catch (GeneralSecurityException e) {
        throw new KmsException(Reason.MISCONFIGURED, kekId, "HMAC failed");
      }
    }

    /**
     * Exists (or will be created on first use unless {@link #strict()}) and is not disabled;
     * in-memory KEKs serve every use.
     */
    @Override
    public boolean checkKek(String kekId, KekUse use) {
      checkCalls.incrementAndGet();
      await(checkFailure, kekId);
      checkDisabled(kekId);
      if (strict && !keks.containsKey(kekId)) {
        throw new KmsException(Reason.KEY_NOT_FOUND, kekId, "no such KEK in " + name);
      }
      return true;
    }

    @Override
    public String describe() {
      return "in-memory(" + name + ")";
    }

    @Override
    public void close() {}
  }

  private List<SecretKeySpec> versions(String kekId) {
    List<SecretKeySpec> versions = keks.get(kekId);
    if (versions == null) {
      if (strict) {
        throw new KmsException(Reason.KEY_NOT_FOUND, kekId, "no such KEK in " + name);
      }
      createKek(kekId);
      versions = keks.get(kekId);
    }
    return versions;
  }

  private void checkDisabled(String kekId) {
    if (disabled.contains(kekId)) {
      throw new KmsException(Reason.KEY_DISABLED, kekId, "the KEK is disabled in " + name);
    }
  }

  private void await(Reason failure, String kekId) {
    Duration d = latency;
    if (!d.isZero()) {
      try {
        Thread.sleep(d.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new KmsException(Reason.UNAVAILABLE, kekId, "interrupted");
      }
    }
    if (failure != null) {
      throw new KmsException(failure, kekId, "injected failure in " + name);
    }
  }

  private static byte[] gcm(int mode, SecretKeySpec kek, byte[] nonce, EncryptionContext context,
      byte[] input) {
    try {
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(mode, kek, new GCMParameterSpec(128, nonce));
      c.updateAAD(context.canonicalBytes());
      return c.doFinal(input);
    } catch (GeneralSecurityException e) {
      throw new KmsException(Reason.INVALID_CIPHERTEXT, context.asMap()
          .get(EncryptionContext.KEK_KEY), "wrapped key rejected");
    }
  }

  private static SecretKeySpec newKey() {
    byte[] b = newKeyBytes();
    try {
      return new SecretKeySpec(b, "AES");
    } finally {
      Arrays.fill(b, (byte) 0);
    }
  }

  private static byte[] newKeyBytes() {
    byte[] b = new byte[32];
    RANDOM.nextBytes(b);
    return b;
  }

  @Override
  public String toString() {
    return "InMemoryKms{" + name + ", keks=" + keks.keySet() + "}";
  }
}
