package io.kafkaenvelope.internal.crypto;

import io.kafkaenvelope.internal.wire.WireFormat;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The key a format version 6 record is sealed under: HKDF-SHA256 (RFC 5869) of the DEK, no salt,
 * info {@code "kafka-envelope v6 record key" || header}, 32 bytes. Deriving it binds every field
 * of the envelope header to the record as the associated data does in versions 1 to 3 (a changed
 * header derives an unrelated key, so the tag fails), but once per (DEK, header) instead of on
 * every record: the JDK's AES-GCM buffers and copies associated data on every call, which costs
 * more the longer the header (an AWS KMS header is ~370 bytes).
 *
 * <p>Why the JDK's HMAC and not Tink's {@code Hkdf}: record mode must run without Tink (serde-core
 * declares it optional, see {@link TinkCheck}), and with an output of one hash length HKDF is two
 * HMAC calls: extract {@code PRK = HMAC(zeros(32), DEK)}, expand {@code OKM = HMAC(PRK, info ||
 * 0x01)} (RFC 5869 sections 2.2 and 2.3; "no salt" means a string of zeros of the hash length).
 * The wire-format vectors pin the result.
 */
public final class RecordKeys {

  private static final byte[] INFO_PREFIX =
      WireFormat.RECORD_KEY_INFO.getBytes(StandardCharsets.US_ASCII);
  private static final String HMAC = "HmacSHA256";
  private static final int KEY_LENGTH = 32;

  private RecordKeys() {}

  /** The record key for {@code header} (its encoded bytes) under {@code dek}. */
  public static SecretKeySpec derive(SecretKeySpec dek, byte[] header) {
    return derive(dek, header, 0, header.length);
  }

  /** As {@link #derive(SecretKeySpec, byte[])} for {@code header[offset .. offset + length)}. */
  public static SecretKeySpec derive(SecretKeySpec dek, byte[] header, int offset, int length) {
    byte[] ikm = dek.getEncoded();
    byte[] prk = null;
    byte[] okm = null;
    try {
      Mac mac = Mac.getInstance(HMAC);
      mac.init(new SecretKeySpec(new byte[KEY_LENGTH], HMAC));
      prk = mac.doFinal(ikm);
      mac.init(new SecretKeySpec(prk, HMAC));
      mac.update(INFO_PREFIX);
      mac.update(header, offset, length);
      mac.update((byte) 0x01);
      okm = mac.doFinal();
      return new SecretKeySpec(okm, 0, KEY_LENGTH, "AES");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HMAC-SHA256 is not available in this JVM", e);
    } finally {
      Arrays.fill(ikm, (byte) 0);
      if (prk != null) {
        Arrays.fill(prk, (byte) 0);
      }
      if (okm != null) {
        Arrays.fill(okm, (byte) 0);
      }
    }
  }
}
