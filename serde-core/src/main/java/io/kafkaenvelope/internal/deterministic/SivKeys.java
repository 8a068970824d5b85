package io.kafkaenvelope.internal.deterministic;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.google.crypto.tink.DeterministicAead;
import com.google.crypto.tink.subtle.AesSiv;
import com.google.crypto.tink.subtle.Hkdf;
import io.kafkaenvelope.internal.dek.DekCache;
import io.kafkaenvelope.internal.events.EnvelopeEvents;
import io.kafkaenvelope.kms.EncryptionContext;
import io.kafkaenvelope.kms.KeyManagementService;
import io.kafkaenvelope.kms.KmsException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.Map;
import javax.crypto.spec.SecretKeySpec;

/**
 * The AES-SIV keys of deterministic mode. Every party computes the same key for a (KEK, scope,
 * key epoch) from the KMS, without a shared key store:
 *
 * <pre>
 * material = KMS MAC/PRF under the KEK over the canonical bytes of the context
 *            {kafka-envelope:epoch: &lt;epoch&gt;, kafka-envelope:kek: &lt;KEK id&gt;,
 *             kafka-envelope:purpose: deterministic,
 *             kafka-envelope:scope: topic:&lt;topic&gt; or named:&lt;name&gt;}
 * AES-SIV key (64 bytes) = HKDF-SHA256(ikm = material, salt = empty, info = HKDF_INFO)
 * </pre>
 *
 * The KMS call goes through the shared {@link DekCache} (single flight, failure backoff, rate
 * limit, expiry after write), so a process makes one derivation per (KEK, scope, epoch) whatever
 * the number of serializers, deserializers and threads. The AES-SIV primitive built from the
 * material is kept while the cache keeps the material (weak keys), so HKDF runs once too.
 *
 * <p>Internal API.
 */
public final class SivKeys {

  /** Purpose value of a derivation context. */
  public static final String PURPOSE = "deterministic";
  /** Context key naming the scope. */
  public static final String SCOPE_KEY = "kafka-envelope:scope";
  /** Context key naming the key epoch. */
  public static final String EPOCH_KEY = "kafka-envelope:epoch";
  /** HKDF info: binds the derived key to its use. */
  public static final byte[] HKDF_INFO =
      "kafka-envelope deterministic AES-SIV".getBytes(StandardCharsets.UTF_8);
  /** AES-SIV key length: two AES-256 keys (RFC 5297 with AES-256). */
  public static final int SIV_KEY_LENGTH = 64;

  private final DekCache cache;
  private final EnvelopeEvents events;
  private final KeyManagementService kms;
  private final Cache<SecretKeySpec, DeterministicAead> sivs =
      Caffeine.newBuilder().weakKeys().build();

  public SivKeys(DekCache cache, KeyManagementService kms) {
    this(cache, kms, null);
  }

  /** As above, reporting derivations (KMS calls, cache hits) to {@code events}. */
  public SivKeys(DekCache cache, KeyManagementService kms, EnvelopeEvents events) {
    this.events = events;
    this.cache = cache;
    this.kms = kms;
  }

  /** The context the KMS derives the key of ({@code kekId}, {@code scope}, {@code epoch}) from. */
  public static EncryptionContext context(String kekId, DeterministicScope scope, long epoch) {
    return EncryptionContext.of(Map.of(
        EncryptionContext.PURPOSE_KEY, PURPOSE,
        EncryptionContext.KEK_KEY, kekId,
        SCOPE_KEY, scope.contextValue(),
        EPOCH_KEY, Long.toString(epoch)));
  }

  /** A reference to keep for {@link #aead(DekCache.WrappedKey)}. */
  public static DekCache.WrappedKey reference(String kekId, DeterministicScope scope, long epoch) {
    return DekCache.derivation(kekId, context(kekId, scope, epoch));
  }

  /**
   * The AES-SIV primitive for {@code ref}, deriving its key with the KMS on a miss.
   *
   * @throws KmsException as {@link DekCache#derive}
   */
  public DeterministicAead aead(DekCache.WrappedKey ref) {
    SecretKeySpec material = cache.derive(ref, kms, events);
    return sivs.get(material, SivKeys::siv);
  }

  /** AES-SIV under the HKDF of {@code material}. */
  static DeterministicAead siv(SecretKeySpec material) {
    byte[] ikm = material.getEncoded();
    byte[] key = null;
    try {
      key = sivKey(ikm);
      return new AesSiv(key);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-SIV unavailable: " + e.getClass().getName());
    } finally {
      Arrays.fill(ikm, (byte) 0);
      if (key != null) {
        Arrays.fill(key, (byte) 0);
      }
    }
  }

  /** The 64-byte AES-SIV key for KMS output {@code material} (for the test vectors). */
  public static byte[] sivKey(byte[] material) throws GeneralSecurityException {
    return Hkdf.computeHkdf("HMACSHA256", material, new byte[0], HKDF_INFO, SIV_KEY_LENGTH);
  }
}
