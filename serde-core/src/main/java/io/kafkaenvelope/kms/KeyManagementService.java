package io.kafkaenvelope.kms;

import java.io.Closeable;
import java.time.Instant;
import java.util.Objects;

/**
 * A client of one KMS. It makes and unwraps data-encryption keys (DEKs) under key-encryption keys
 * (KEKs) that never leave the KMS.
 *
 * <p>Implementations must be thread-safe: one instance serves every thread that sends or polls
 * through one serializer. They are called rarely (once per DEK rotation on the producer, once per
 * distinct DEK on the consumer) and may block, but must bound every call with a timeout. Errors are
 * reported as {@link KmsException} with a {@link KmsException.Reason}; messages name keys by id and
 * never contain key bytes.
 */
public interface KeyManagementService extends Closeable {

  /**
   * Creates a new 256-bit DEK protected by {@code kekId}.
   *
   * @param kekId the KEK, in the KMS's own naming (key ARN, alias, transit key name, ...)
   * @param context non-secret pairs the KMS should bind to the wrapped key where it supports that
   *     (AWS encryption context, AEAD associated data); {@link #unwrap} receives the same pairs
   * @return the plaintext key, its wrapped form, and the KEK version used where the KMS reports one
   */
  DataKey generateDataKey(String kekId, EncryptionContext context);

  /**
   * Recovers the plaintext of a DEK made by {@link #generateDataKey}. Implementations pin the KEK:
   * a wrapped key that names another KEK must be refused, not decrypted.
   *
   * @return the 32 plaintext key bytes; the caller owns and clears the array
   */
  byte[] unwrap(String kekId, byte[] wrappedKey, EncryptionContext context);

  /**
   * Derives 32 bytes of secret key material from {@code kekId} and {@code context}, always the same
   * for the same KEK and context, from any client, host or restart: a MAC or PRF computed inside
   * the KMS over {@code context.canonicalBytes()} (AWS KMS {@code GenerateMac} with an HMAC key,
   * Vault Transit {@code hmac}, a local PRF keyset). Deterministic encryption
   * ({@code envelope.mode=deterministic}) turns it into its AES-SIV key, so every producer and
   * consumer allowed to use the KEK for this gets the same key without a shared key store. The
   * material must not change when the KEK is rotated in the KMS (pin the key version), since the
   * ciphertexts of a compacted topic must stay equal; the library's key epoch is the rotation.
   *
   * <p>The default refuses: a KMS without such an operation cannot serve deterministic mode.
   *
   * @return 32 bytes; the caller owns and clears the array
   */
  default byte[] deriveKeyMaterial(String kekId, EncryptionContext context) {
    throw new KmsException(KmsException.Reason.MISCONFIGURED, kekId, describe()
        + " cannot derive deterministic keys (envelope.mode=deterministic needs a KMS with a MAC: "
        + "local, aws-kms with an HMAC key, vault-transit)");
  }

  /**
   * Whether a record whose envelope names {@code recordedKekId} was made under the KEK a reader
   * expects, {@code expectedKekId}. The consumer KEK policy asks this before any KMS call, so it
   * decides from the two strings alone and must never call the KMS. Answer {@code true} only when
   * both certainly name the same key (e.g. a key id and the ARN of that key in this client's
   * account and region); when in doubt answer {@code false}: the user can list the other form too.
   * Implementations document exactly which forms match. The default compares exactly.
   *
   * <p>This check is sound only because {@link #unwrap} pins the KEK: a record cannot name an
   * expected KEK in its header while its wrapped key was made by another.
   */
  default boolean sameKek(String expectedKekId, String recordedKekId) {
    return expectedKekId.equals(recordedKekId);
  }

  /**
   * Whether a reader in discovery mode ({@code envelope.kek.discovery=true}: any KEK the KMS will
   * unwrap) may try {@code recordedKekId} at all. A KMS with a discovery filter (AWS: accounts and
   * partition) applies it here, from the string alone, before any KMS call. The default admits
   * every KEK.
   */
  default boolean discoveryAllows(String recordedKekId) {
    return true;
  }

  /**
   * What a serializer or deserializer needs a KEK for, as {@link KeyManagementService#checkKek}
   * is asked: a producer in record mode needs {@link #ENCRYPT} (make and wrap data keys), a
   * consumer {@link #DECRYPT} (unwrap them), deterministic mode {@link #DERIVE} on both sides (a
   * MAC under the KEK).
   */
  enum KekUse {
    /** Make and wrap data keys ({@link KeyManagementService#generateDataKey}). */
    ENCRYPT,
    /** Unwrap data keys ({@link KeyManagementService#unwrap}). */
    DECRYPT,
    /** Derive deterministic key material ({@link KeyManagementService#deriveKeyMaterial}). */
    DERIVE
  }

  /**
   * Checks, without making, unwrapping or deriving any key, that {@code kekId} exists, is enabled
   * and is a key of the kind {@code use} needs, with one cheap metadata call to the KMS (AWS
   * {@code DescribeKey}, Vault {@code transit/keys/<name>}, Google Cloud {@code GetCryptoKey},
   * Azure get key). Serializers call it at {@code configure()} ({@code
   * envelope.kms.check.on.configure}) and for {@code health()}, within {@code
   * envelope.kms.timeout.ms}. A check proves what the KMS's metadata shows, not that these
   * credentials may use the key for {@code use} (most KMSs grant reading metadata separately).
   *
   * <p>The default checks nothing and returns {@code false}: a KMS without a metadata call is
   * then first exercised by the first record.
   *
   * @return {@code true} when the KMS checked the KEK and found it usable, {@code false} when
   *     this KMS cannot check
   * @throws KmsException when the KEK is missing ({@link KmsException.Reason#KEY_NOT_FOUND}),
   *     disabled or pending deletion ({@link KmsException.Reason#KEY_DISABLED}), a key of the
   *     wrong kind for {@code use} ({@link KmsException.Reason#MISCONFIGURED}), may not be read
   *     ({@link KmsException.Reason#ACCESS_DENIED}) or the KMS does not answer ({@link
   *     KmsException.Reason#UNAVAILABLE}); the message says which, never with key bytes
   */
  default boolean checkKek(String kekId, KekUse use) {
    return false;
  }

  /**
   * Whether a serializer's or deserializer's KMS and KEKs were usable at the last check: what
   * {@code health()} on the serdes returns for readiness probes. {@code reason} says why in
   * words (the failed KEK and the KMS's answer when down; never key material); {@code checkedAt}
   * is when the KMS was last asked.
   */
  record Health(boolean up, String reason, Instant checkedAt) {
    public Health {
      Objects.requireNonNull(reason, "reason");
      Objects.requireNonNull(checkedAt, "checkedAt");
    }
  }

  /**
   * A short description for logs, e.g. {@code aws-kms(region=eu-west-1)}. Never contains
   * credentials.
   */
  String describe();

  @Override
  void close();
}
