package io.kafkaenvelope.internal.wire;

/**
 * The byte layout of a record value the envelope sealed, in both directions. A value is either
 *
 * <pre>
 * header mode:  clear prefix (0, 5 or 9 bytes) | nonce (12) | ciphertext | tag (16)
 * inline:       0xFE 'K' 'E' 'V' | u16 header length | envelope header | nonce | ciphertext | tag
 * </pre>
 *
 * where the envelope header of header mode travels in a record header. The ciphertext is the
 * AES-GCM encryption of the record's bytes after the clear prefix, or of their compressed body
 * (version 3). The associated data is the envelope header followed by the clear prefix.
 */
public final class SealedRecord {

  private SealedRecord() {}

  /** Length of nonce + ciphertext + tag for {@code bodyLength} bytes to encrypt. */
  public static int sealedLength(int bodyLength) {
    return WireFormat.NONCE_LENGTH + bodyLength + WireFormat.TAG_LENGTH;
  }

  /** Where the nonce of a header-mode value with {@code clearLength} clear bytes sits. */
  public static int nonceOffset(int clearLength) {
    return clearLength;
  }

  /** Where the nonce of an inline frame with a header of {@code headerLength} bytes sits. */
  public static int inlineNonceOffset(int headerLength) {
    return InlineFrame.prefixLength(headerLength);
  }

  /**
   * A header-mode value for {@code bodyLength} bytes to encrypt, with the first
   * {@code clearLength} bytes of {@code plaintext} in place; the nonce goes to
   * {@link #nonceOffset}.
   */
  public static byte[] layOut(byte[] plaintext, int clearLength, int bodyLength) {
    byte[] out = new byte[clearLength + sealedLength(bodyLength)];
    if (clearLength > 0) {
      System.arraycopy(plaintext, 0, out, 0, clearLength);
    }
    return out;
  }

  /** An inline frame for {@code bodyLength} bytes to encrypt, with header and nonce in place. */
  public static byte[] layOutInline(byte[] header, byte[] nonce, int bodyLength) {
    byte[] out = new byte[InlineFrame.prefixLength(header.length) + sealedLength(bodyLength)];
    int nonceOffset = InlineFrame.writePrefix(out, header);
    System.arraycopy(nonce, 0, out, nonceOffset, WireFormat.NONCE_LENGTH);
    return out;
  }
}
