package io.kafkaenvelope.kms.gcp;

import com.google.api.gax.rpc.ApiException;
import com.google.api.gax.rpc.StatusCode;
import com.google.cloud.kms.v1.CryptoKey;
import com.google.cloud.kms.v1.CryptoKeyVersion;
import com.google.cloud.kms.v1.DecryptRequest;
import com.google.cloud.kms.v1.DecryptResponse;
import com.google.cloud.kms.v1.EncryptRequest;
import com.google.cloud.kms.v1.EncryptResponse;
import com.google.cloud.kms.v1.GetCryptoKeyRequest;
import com.google.cloud.kms.v1.KeyManagementServiceClient;
import com.google.protobuf.ByteString;
import com.google.protobuf.Int64Value;
import com.google.protobuf.UnsafeByteOperations;
import io.grpc.StatusRuntimeException;
import io.kafkaenvelope.kms.DataKey;
import io.kafkaenvelope.kms.EncryptionContext;
import io.kafkaenvelope.kms.KeyManagementService;
import io.kafkaenvelope.kms.KmsException;
import io.kafkaenvelope.kms.KmsException.Reason;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;
import java.util.zip.CRC32C;

/**
 * Google Cloud KMS through Google's gRPC client ({@code google-cloud-kms}). Cloud KMS has no
 * GenerateDataKey: a new DEK is 32 bytes from {@link SecureRandom}, wrapped with one
 * {@code Encrypt} on the CryptoKey (Cloud KMS uses its primary version; the version it used, the
 * {@code name} of the response, becomes the envelope's KEK version). Unwrapping is one
 * {@code Decrypt} on the CryptoKey, which refuses a ciphertext made under another key, so the KEK
 * is pinned. Both send the envelope's canonical encryption context as additional authenticated
 * data, and both use the CRC32C integrity fields end to end: the request carries the checksums of
 * plaintext, ciphertext and AAD, and a response whose checksum does not match, or that does not
 * confirm it verified ours, is refused (fail closed) as {@link Reason#UNAVAILABLE}. This class
 * also maps gRPC status codes to reasons and holds the consumer-trust rules ({@link #sameKek},
 * {@link #discoveryAllows}); building the client is {@link GcpClients}'s.
 */
final class GcpKms implements KeyManagementService {

  private static final SecureRandom RANDOM = new SecureRandom();

  private final GcpClients clients;
  private final KeyManagementServiceClient kms;
  private final Set<String> discoveryProjects;
  private final String description;

  GcpKms(GcpKmsConfig config) {
    this.discoveryProjects = Set.copyOf(config.getList(GcpKmsConfig.DISCOVERY_PROJECTS));
    this.clients = new GcpClients(config);
    this.kms = clients.client();
    this.description = "gcp-kms(endpoint=" + clients.endpoint()
        + (config.plaintext() ? " (plaintext)" : "")
        + ", credentials=" + clients.credentialsKind()
        + (discoveryProjects.isEmpty() ? "" : ", discovery filter=projects "
            + new TreeSet<>(discoveryProjects)) + ")";
  }

  @Override
  public DataKey generateDataKey(String kekId, EncryptionContext context) {
    GcpKekName kek = kekName(kekId);
    byte[] dek = new byte[DataKey.KEY_LENGTH];
    RANDOM.nextBytes(dek);
    byte[] aad = context.canonicalBytes();
    try {
      // unsafeWrap: no second copy of the key that could not be cleared below
      EncryptResponse r = kms.encrypt(EncryptRequest.newBuilder()
          .setName(kekId)
          .setPlaintext(UnsafeByteOperations.unsafeWrap(dek))
          .setPlaintextCrc32C(Int64Value.of(crc32c(dek)))
          .setAdditionalAuthenticatedData(ByteString.copyFrom(aad))
          .setAdditionalAuthenticatedDataCrc32C(Int64Value.of(crc32c(aad)))
          .build());
      if (!r.getVerifiedPlaintextCrc32C() || !r.getVerifiedAdditionalAuthenticatedDataCrc32C()) {
        throw integrity(kekId, "Encrypt", "the response does not confirm that Cloud KMS "
            + "verified the request's plaintext and AAD checksums");
      }
      byte[] wrapped = r.getCiphertext().toByteArray();
      if (wrapped.length == 0 || !r.hasCiphertextCrc32C()
          || r.getCiphertextCrc32C().getValue() != crc32c(wrapped)) {
        throw integrity(kekId, "Encrypt", "the ciphertext does not match its CRC32C checksum");
      }
      if (!kek.admitsVersion(r.getName())) {
        throw new KmsException(Reason.MISCONFIGURED, kekId, "Encrypt answered with key version '"
            + r.getName() + "', which is not a version of the requested key");
      }
      return new DataKey(dek, wrapped, r.getName());
    } catch (ApiException e) {
      throw translate(e, kekId, "Encrypt");
    } finally {
      Arrays.fill(dek, (byte) 0);
    }
  }

  @Override
  public byte[] unwrap(String kekId, byte[] wrappedKey, EncryptionContext context) {
    GcpKekName kek = kekName(kekId);
    byte[] aad = context.canonicalBytes();
    DecryptResponse r;
    try {
      // Decrypt takes the CryptoKey; Cloud KMS finds the version in the ciphertext
      r = kms.decrypt(DecryptRequest.newBuilder()
          .setName(kek.cryptoKey)
          .setCiphertext(ByteString.copyFrom(wrappedKey))
          .setCiphertextCrc32C(Int64Value.of(crc32c(wrappedKey)))
          .setAdditionalAuthenticatedData(ByteString.copyFrom(aad))
          .setAdditionalAuthenticatedDataCrc32C(Int64Value.of(crc32c(aad)))
          .build());
    } catch (ApiException e) {
      throw translate(e, kekId, "Decrypt");
    }
    byte[] plaintext = r.getPlaintext().toByteArray();
    if (!r.hasPlaintextCrc32C() || r.getPlaintextCrc32C().getValue() != crc32c(plaintext)) {
      Arrays.fill(plaintext, (byte) 0);
      throw integrity(kekId, "Decrypt", "the plaintext does not match its CRC32C checksum");
    }
    if (plaintext.length != DataKey.KEY_LENGTH) {
      Arrays.fill(plaintext, (byte) 0);
      throw new KmsException(Reason.INVALID_CIPHERTEXT, kekId, "Decrypt returned "
          + plaintext.length + " bytes, not a data key");
    }
    return plaintext;
  }

  /**
   * Whether two KEK ids name the same Cloud KMS key, from the strings alone: equal resource names
   * match, and a configured CryptoKey name matches a recorded name of one of its
   * CryptoKeyVersions. Nothing else does: a configured version does not match its CryptoKey or
   * another version, a project id never matches its project number, and case is significant.
   * Ids that are not CryptoKey(Version) resource names never match.
   */
  @Override
  public boolean sameKek(String expectedKekId, String recordedKekId) {
    GcpKekName e = GcpKekName.parse(expectedKekId);
    GcpKekName r = GcpKekName.parse(recordedKekId);
    if (e == null || r == null) {
      return false;
    }
    if (expectedKekId.equals(recordedKekId)) {
      return true;
    }
    return !e.isVersion() && r.isVersion() && r.cryptoKey.equals(expectedKekId);
  }

  /**
   * The discovery filter: a recorded KEK must be a well-formed CryptoKey(Version) name (nothing
   * else is ever sent to Cloud KMS), and with {@code envelope.kms.gcp.discovery.projects} set,
   * its project must be one of them.
   */
  @Override
  public boolean discoveryAllows(String recordedKekId) {
    GcpKekName r = GcpKekName.parse(recordedKekId);
    return r != null && (discoveryProjects.isEmpty() || discoveryProjects.contains(r.project));
  }

  /**
   * {@code GetCryptoKey} (permission {@code cloudkms.cryptoKeys.get}, e.g. in
   * {@code roles/cloudkms.viewer}): the CryptoKey exists, its purpose is {@code ENCRYPT_DECRYPT},
   * and for a producer its primary version is {@code ENABLED} (Encrypt uses the primary). A
   * consumer does not need the primary: records wrapped under older versions still decrypt.
   * Cloud KMS has no MAC-based derivation here, so deterministic mode is refused.
   */
  @Override
  public boolean checkKek(String kekId, KekUse use) {
    kekName(kekId);
    if (use == KekUse.DERIVE) {
      throw new KmsException(Reason.MISCONFIGURED, kekId, describe() + " cannot derive "
          + "deterministic keys (envelope.mode=deterministic needs aws-kms, vault-transit or "
          + "local)");
    }
    CryptoKey key;
    try {
      key = kms.getCryptoKey(GetCryptoKeyRequest.newBuilder().setName(kekId).build());
    } catch (ApiException e) {
      throw translate(e, kekId, "GetCryptoKey");
    }
    if (key.getPurpose() != CryptoKey.CryptoKeyPurpose.ENCRYPT_DECRYPT) {
      throw new KmsException(Reason.MISCONFIGURED, kekId, "GetCryptoKey: the key's purpose is "
          + key.getPurpose() + "; data keys need a symmetric ENCRYPT_DECRYPT key");
    }
    if (use == KekUse.ENCRYPT && key.getPrimary().getState()
        != CryptoKeyVersion.CryptoKeyVersionState.ENABLED) {
      throw new KmsException(Reason.KEY_DISABLED, kekId, "GetCryptoKey: the primary version "
          + key.getPrimary().getName() + " is " + key.getPrimary().getState()
          + ", not ENABLED, so Encrypt would fail");
    }
    return true;
  }

  private static GcpKekName kekName(String kekId) {
    GcpKekName kek = GcpKekName.parse(kekId);
    if (kek == null) {
      throw new KmsException(Reason.MISCONFIGURED, kekId, "not a Cloud KMS CryptoKey resource "
          + "name (projects/P/locations/L/keyRings/R/cryptoKeys/K); set envelope.kek.id to one");
    }
    return kek;
  }

  static long crc32c(byte[] data) {
    CRC32C c = new CRC32C();
    c.update(data, 0, data.length);
    return c.getValue();
  }

  private static KmsException integrity(String kekId, String operation, String what) {
    return new KmsException(Reason.UNAVAILABLE, kekId, operation + " failed its integrity check: "
        + what + " (corrupted in transit, or an endpoint that does not support CRC32C); "
        + "nothing was used");
  }

  /** Maps a gax failure to a reason; the message names the operation and the gRPC status. */
  static KmsException translate(ApiException e, String kekId, String operation) {
    StatusCode.Code code = e.getStatusCode().getCode();
    // a client-side failure (credentials that could not be obtained, a TLS handshake) says why
    // only in its cause: gRPC's status text is generic ("Failed computing credential metadata")
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String detail = root == e || root instanceof StatusRuntimeException ? ""
        : " (" + root.getClass().getSimpleName() + ": " + root.getMessage() + ")";
    return new KmsException(reasonOf(code, operation), kekId, operation + " failed: " + code
        + ": " + e.getMessage() + detail, e);
  }

  static Reason reasonOf(StatusCode.Code code, String operation) {
    switch (code) {
      case PERMISSION_DENIED:
      case UNAUTHENTICATED:
        return Reason.ACCESS_DENIED;
      case NOT_FOUND:
        return Reason.KEY_NOT_FOUND;
      case FAILED_PRECONDITION:
        return Reason.KEY_DISABLED; // the key version is disabled, destroyed or not yet ready
      case INVALID_ARGUMENT:
        // Decrypt: the ciphertext is corrupt, of another key, or its AAD differs
        return operation.equals("Decrypt") ? Reason.INVALID_CIPHERTEXT : Reason.MISCONFIGURED;
      case RESOURCE_EXHAUSTED:
        return Reason.THROTTLED;
      case UNAVAILABLE:
      case DEADLINE_EXCEEDED:
      case INTERNAL:
      case UNKNOWN:
      case ABORTED:
      case CANCELLED:
        return Reason.UNAVAILABLE;
      default:
        return Reason.MISCONFIGURED; // UNIMPLEMENTED (not a KMS endpoint), OUT_OF_RANGE, ...
    }
  }

  @Override
  public String describe() {
    return description;
  }

  @Override
  public String toString() {
    return description;
  }

  @Override
  public void close() {
    clients.close();
  }
}
