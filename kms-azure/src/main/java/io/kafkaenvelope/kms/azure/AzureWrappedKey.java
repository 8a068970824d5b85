package io.kafkaenvelope.kms.azure;

import io.kafkaenvelope.kms.DataKey;
import io.kafkaenvelope.kms.EncryptionContext;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.regex.Pattern;

/**
 * The wrapped DEK this module writes into the envelope, and the payload Key Vault wraps.
 *
 * <p>Key Vault's {@code unwrapKey} needs the key version and the algorithm, but
 * {@code KeyManagementService.unwrap} only gets the KEK id, the wrapped bytes and the context. So
 * the wrapped DEK carries both, like Vault's {@code vault:vN:} prefix. Two layouts, parsed
 * strictly (exact lengths, no trailing bytes):
 *
 * <ul>
 *   <li>format 1: {@code u8 1 ‖ u8 algorithm (1 RSA-OAEP-256, 2 A256KW) ‖ u8 n ‖ n bytes key
 *       version (ASCII) ‖ Key Vault's result}. Every A256KW key; RSA keys only with
 *       {@code envelope.kms.azure.rsa.writer.signature=false}.
 *   <li>format 2, RSA-OAEP-256 only: {@code u8 2 ‖ u8 1 ‖ u8 n ‖ version ‖ u16 m ‖ m bytes Key
 *       Vault's wrapKey result ‖ u8 signature algorithm (1 PS256) ‖ u16 s ‖ s bytes Key Vault's
 *       signature}. The signature, made by Key Vault with the key's private part, is over
 *       {@link #signedData} (the layout up to the wrapped bytes and the canonical encryption
 *       context), so the consumer can tell a producer with {@code sign} permission from anyone
 *       who read the public key.
 * </ul>
 *
 * <p>The envelope header authenticates these bytes as the record's associated data.
 *
 * <p>Key Vault's wrap takes no associated data, so the payload wrapped is {@code DEK (32 bytes) ‖
 * SHA-256(label ‖ canonical encryption context)}: unwrapping checks the digest, so a wrapped key
 * made for another KEK id or purpose (or any other secret wrapped under the same Key Vault key by
 * another application) is refused instead of being used as a DEK. The digest is no secret and no
 * signature: whoever may wrap under the key (for an RSA key, anyone with its public key) can make
 * a valid payload; the format-2 signature is what an RSA wrap alone cannot give. See
 * docs/kms-azure.md.
 */
final class AzureWrappedKey {

  static final String RSA_OAEP_256 = "RSA-OAEP-256";
  static final String A256KW = "A256KW";
  /** The only signature algorithm of format 2: RSASSA-PSS, SHA-256, MGF1-SHA-256, 32-byte salt. */
  static final String PS256 = "PS256";

  static final int UNSIGNED = 1;
  static final int SIGNED = 2;
  private static final int DIGEST_LENGTH = 32;
  static final int PAYLOAD_LENGTH = DataKey.KEY_LENGTH + DIGEST_LENGTH;
  private static final int MAX_WRAPPED = 1024;
  private static final Pattern VERSION = Pattern.compile("[0-9A-Za-z]{1,64}");
  private static final byte[] LABEL =
      "kafka-envelope/azure-keyvault/dek/v1\0".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] SIGNATURE_LABEL =
      "kafka-envelope/azure-keyvault/dek-signature/v1\0".getBytes(StandardCharsets.US_ASCII);

  final String algorithm;
  final String version;
  final byte[] wrapped;
  /** Key Vault's PS256 signature (format 2), or null (format 1). */
  final byte[] signature;

  AzureWrappedKey(String algorithm, String version, byte[] wrapped) {
    this(algorithm, version, wrapped, null);
  }

  AzureWrappedKey(String algorithm, String version, byte[] wrapped, byte[] signature) {
    this.algorithm = algorithm;
    this.version = version;
    this.wrapped = wrapped;
    this.signature = signature;
  }

  /** This key with a signature: format 2. */
  AzureWrappedKey signed(byte[] sig) {
    return new AzureWrappedKey(algorithm, version, wrapped, sig);
  }

  /** This key without its signature: format 1 (for tests of a stripped signature). */
  AzureWrappedKey unsigned() {
    return new AzureWrappedKey(algorithm, version, wrapped, null);
  }

  byte[] encode() {
    byte[] v = version.getBytes(StandardCharsets.US_ASCII);
    if (signature == null) {
      byte[] out = new byte[3 + v.length + wrapped.length];
      out[0] = UNSIGNED;
      out[1] = (byte) (RSA_OAEP_256.equals(algorithm) ? 1 : 2);
      out[2] = (byte) v.length;
      System.arraycopy(v, 0, out, 3, v.length);
      System.arraycopy(wrapped, 0, out, 3 + v.length, wrapped.length);
      return out;
    }
    ByteBuffer out = ByteBuffer.allocate(3 + v.length + 2 + wrapped.length + 3 + signature.length);
    out.put((byte) SIGNED).put((byte) 1).put((byte) v.length).put(v);
    out.putShort((short) wrapped.length).put(wrapped);
    out.put((byte) 1).putShort((short) signature.length).put(signature);
    return out.array();
  }

  /** Parses a wrapped DEK, or returns null when it is not exactly one of this module's. */
  static AzureWrappedKey parse(byte[] b) {
    if (b == null || b.length < 4 || (b[0] != UNSIGNED && b[0] != SIGNED)
        || (b[1] != 1 && b[1] != 2) || (b[0] == SIGNED && b[1] != 1)) {
      return null;
    }
    int n = b[2] & 0xff;
    if (n == 0 || 3 + n > b.length) {
      return null;
    }
    String version = new String(b, 3, n, StandardCharsets.US_ASCII);
    if (!VERSION.matcher(version).matches()) {
      return null;
    }
    String algorithm = b[1] == 1 ? RSA_OAEP_256 : A256KW;
    if (b[0] == UNSIGNED) {
      int rest = b.length - 3 - n;
      if (rest < 1 || rest > MAX_WRAPPED) {
        return null;
      }
      return new AzureWrappedKey(algorithm, version, Arrays.copyOfRange(b, 3 + n, b.length));
    }
    ByteBuffer in = ByteBuffer.wrap(b, 3 + n, b.length - 3 - n);
    if (in.remaining() < 2) {
      return null;
    }
    int m = in.getShort() & 0xffff;
    if (m < 1 || m > MAX_WRAPPED || in.remaining() < m + 3) {
      return null;
    }
    byte[] wrapped = new byte[m];
    in.get(wrapped);
    int signatureAlgorithm = in.get() & 0xff;
    int s = in.getShort() & 0xffff;
    if (signatureAlgorithm != 1 || s < 1 || s > MAX_WRAPPED || in.remaining() != s) {
      return null;
    }
    byte[] sig = new byte[s];
    in.get(sig);
    return new AzureWrappedKey(algorithm, version, wrapped, sig);
  }

  /**
   * What the format-2 signature covers: {@code label ‖ u8 algorithm ‖ u8 n ‖ key version ‖ u16 m
   * ‖ wrapped bytes ‖ canonical encryption context} (the context names the KEK id and purpose).
   */
  byte[] signedData(EncryptionContext context) {
    byte[] v = version.getBytes(StandardCharsets.US_ASCII);
    byte[] c = context.canonicalBytes();
    return ByteBuffer.allocate(SIGNATURE_LABEL.length + 2 + v.length + 2 + wrapped.length
            + c.length)
        .put(SIGNATURE_LABEL).put((byte) (RSA_OAEP_256.equals(algorithm) ? 1 : 2))
        .put((byte) v.length).put(v).putShort((short) wrapped.length).put(wrapped).put(c)
        .array();
  }

  /** SHA-256 of {@link #signedData}: the digest Key Vault signs. */
  byte[] signedDigest(EncryptionContext context) {
    return sha256().digest(signedData(context));
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
    MessageDigest sha = sha256();
    sha.update(LABEL);
    return sha.digest(context.canonicalBytes());
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }
}
