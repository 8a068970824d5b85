package io.kafkaenvelope.kms.azure;

import io.kafkaenvelope.kms.DataKey;
import io.kafkaenvelope.kms.EncryptionContext;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.regex.Pattern;

/**
 * The wrapped DEK this module writes into the envelope, and the payload Key Vault wraps.
 *
 * <p>Key Vault's {@code unwrapKey} needs the key version and the algorithm, but
 * {@code KeyManagementService.unwrap} gets only the KEK id, the wrapped bytes and the context. So
 * the wrapped DEK carries both, like Vault's {@code vault:vN:} prefix: {@code u8 format (1) ‖
 * u8 algorithm (1 RSA-OAEP-256, 2 A256KW) ‖ u8 n ‖ n bytes key version (ASCII) ‖ Key Vault's
 * result}. The envelope header authenticates these bytes as the record's associated data.
 *
 * <p>Key Vault's wrap takes no associated data, so the payload wrapped is {@code DEK (32 bytes) ‖
 * SHA-256(label ‖ canonical encryption context)}: unwrapping checks the digest, so a wrapped key
 * made for another KEK id or purpose (or any other secret wrapped under the same Key Vault key by
 * another application) is refused instead of being used as a DEK. The digest is no secret and no
 * signature: whoever may wrap under the key (for an RSA key, anyone with its public key) can make
 * a valid payload. See docs/kms-azure.md.
 */
final class AzureWrappedKey {

  static final String RSA_OAEP_256 = "RSA-OAEP-256";
  static final String A256KW = "A256KW";

  private static final int FORMAT = 1;
  private static final int DIGEST_LENGTH = 32;
  static final int PAYLOAD_LENGTH = DataKey.KEY_LENGTH + DIGEST_LENGTH;
  private static final int MAX_WRAPPED = 1024;
  private static final Pattern VERSION = Pattern.compile("[0-9A-Za-z]{1,64}");
  private static final byte[] LABEL =
      "kafka-envelope/azure-keyvault/dek/v1\0".getBytes(StandardCharsets.US_ASCII);

  final String algorithm;
  final String version;
  final byte[] wrapped;

  AzureWrappedKey(String algorithm, String version, byte[] wrapped) {
    this.algorithm = algorithm;
    this.version = version;
    this.wrapped = wrapped;
  }

  byte[] encode() {
    byte[] v = version.getBytes(StandardCharsets.US_ASCII);
    byte[] out = new byte[3 + v.length + wrapped.length];
    out[0] = FORMAT;
    out[1] = (byte) (RSA_OAEP_256.equals(algorithm) ? 1 : 2);
    out[2] = (byte) v.length;
    System.arraycopy(v, 0, out, 3, v.length);
    System.arraycopy(wrapped, 0, out, 3 + v.length, wrapped.length);
    return out;
  }

  /** Parses a wrapped DEK, or returns null when it is not one of this module's. */
  static AzureWrappedKey parse(byte[] b) {
    if (b == null || b.length < 4 || b[0] != FORMAT || (b[1] != 1 && b[1] != 2)) {
      return null;
    }
    int n = b[2] & 0xff;
    int rest = b.length - 3 - n;
    if (n == 0 || rest < 1 || rest > MAX_WRAPPED) {
      return null;
    }
    String version = new String(b, 3, n, StandardCharsets.US_ASCII);
    if (!VERSION.matcher(version).matches()) {
      return null;
    }
    return new AzureWrappedKey(b[1] == 1 ? RSA_OAEP_256 : A256KW, version,
        Arrays.copyOfRange(b, 3 + n, b.length));
  }

  static boolean validVersion(String version) {
    return version != null && VERSION.matcher(version).matches();
  }

  /** The payload to wrap: the DEK and the context's digest. The caller clears it. */
  static byte[] payload(byte[] dek, EncryptionContext context) {
    byte[] p = new byte[PAYLOAD_LENGTH];
    System.arraycopy(dek, 0, p, 0, DataKey.KEY_LENGTH);
    System.arraycopy(digest(context), 0, p, DataKey.KEY_LENGTH, DIGEST_LENGTH);
    return p;
  }

  /**
   * The DEK of an unwrapped payload, or null when the payload is not 64 bytes or its digest is
   * not the context's (compared in constant time). Clears {@code payload}.
   */
  static byte[] dekOf(byte[] payload, EncryptionContext context) {
    try {
      if (payload == null || payload.length != PAYLOAD_LENGTH) {
        return null;
      }
      byte[] got = Arrays.copyOfRange(payload, DataKey.KEY_LENGTH, PAYLOAD_LENGTH);
      if (!MessageDigest.isEqual(got, digest(context))) {
        return null;
      }
      return Arrays.copyOf(payload, DataKey.KEY_LENGTH);
    } finally {
      if (payload != null) {
        Arrays.fill(payload, (byte) 0);
      }
    }
  }

  private static byte[] digest(EncryptionContext context) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update(LABEL);
      return sha.digest(context.canonicalBytes());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }
}
