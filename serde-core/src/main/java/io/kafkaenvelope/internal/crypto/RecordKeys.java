package io.kafkaenvelope.internal.crypto;

import com.google.crypto.tink.subtle.Hkdf;
import io.kafkaenvelope.internal.wire.WireFormat;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import javax.crypto.spec.SecretKeySpec;

/**
 * The key a format version 6 record is sealed under: HKDF-SHA256 (RFC 5869, through Tink) of the
 * DEK, no salt, info {@code "kafka-envelope v6 record key" || header}, 32 bytes. Deriving it binds
 * every field of the envelope header to the record as the associated data does in versions 1 to 3
 * (a changed header derives an unrelated key, so the tag fails), but once per (DEK, header)
 * instead of on every record: the JDK's AES-GCM buffers and copies associated data on every call,
 * which costs more the longer the header (an AWS KMS header is ~370 bytes).
 */
public final class RecordKeys {

  private static final byte[] INFO_PREFIX =
      WireFormat.RECORD_KEY_INFO.getBytes(StandardCharsets.US_ASCII);
  private static final int KEY_LENGTH = 32;

  private RecordKeys() {}

  /** The record key for {@code header} (its encoded bytes) under {@code dek}. */
  public static SecretKeySpec derive(SecretKeySpec dek, byte[] header) {
    return derive(dek, header, 0, header.length);
  }

  /** As {@link #derive(SecretKeySpec, byte[])} for {@code header[offset .. offset + length)}. */
  public static SecretKeySpec derive(SecretKeySpec dek, byte[] header, int offset, int length) {
    byte[] info = new byte[INFO_PREFIX.length + length];
    System.arraycopy(INFO_PREFIX, 0, info, 0, INFO_PREFIX.length);
    System.arraycopy(header, offset, info, INFO_PREFIX.length, length);
    byte[] ikm = dek.getEncoded();
    byte[] okm = null;
    try {
      okm = Hkdf.computeHkdf("HMACSHA256", ikm, null, info, KEY_LENGTH);
      return new SecretKeySpec(okm, "AES");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HMAC-SHA256 is not available in this JVM", e);
    } finally {
      Arrays.fill(ikm, (byte) 0);
      if (okm != null) {
        Arrays.fill(okm, (byte) 0);
      }
    }
  }
}
