package io.kafkaenvelope.internal.wire;

/**
 * The envelope carried inside the value itself, for callers that have no record headers (Kafka
 * Streams state stores call {@code serialize(topic, data)}):
 *
 * <pre>
 * 0xFE 'K' 'E' 'V' | u16 header length | envelope header | nonce (12) | ciphertext | tag (16)
 * </pre>
 *
 * The envelope header is the same structure as the header-mode record header and is the associated
 * data in the same way, so both modes share one parser and one AAD rule.
 */
public final class InlineFrame {

  /** Offset of the envelope header inside a frame. */
  public static final int HEADER_OFFSET = WireFormat.INLINE_MAGIC.length + 2;
  /** The longest envelope header a frame can carry: its length field is 16 bits. */
  public static final int MAX_HEADER_LENGTH = 0xFFFF;

  private InlineFrame() {}

  /** Whether {@code data} starts with the inline magic. */
  public static boolean isInline(byte[] data) {
    if (data == null || data.length < HEADER_OFFSET) {
      return false;
    }
    for (int i = 0; i < WireFormat.INLINE_MAGIC.length; i++) {
      if (data[i] != WireFormat.INLINE_MAGIC[i]) {
        return false;
      }
    }
    return true;
  }

  /** Bytes in front of the nonce for a header of {@code headerLength} bytes. */
  public static int prefixLength(int headerLength) {
    return HEADER_OFFSET + headerLength;
  }

  /** Writes magic, length and header to the front of {@code out}; returns the nonce offset. */
  public static int writePrefix(byte[] out, byte[] header) {
    if (header.length > MAX_HEADER_LENGTH) {
      // Its length would be written modulo 2^16: a frame no reader could open.
      throw new IllegalArgumentException("an envelope header of " + header.length
          + " bytes does not fit an inline frame (at most " + MAX_HEADER_LENGTH + ")");
    }
    System.arraycopy(WireFormat.INLINE_MAGIC, 0, out, 0, WireFormat.INLINE_MAGIC.length);
    out[4] = (byte) (header.length >>> 8);
    out[5] = (byte) header.length;
    System.arraycopy(header, 0, out, HEADER_OFFSET, header.length);
    return HEADER_OFFSET + header.length;
  }

  /**
   * The length of the envelope header in a frame that {@link #isInline} accepted.
   *
   * @throws MalformedEnvelopeException if the frame is too short for it
   */
  public static int headerLength(byte[] frame) {
    int len = ((frame[4] & 0xFF) << 8) | (frame[5] & 0xFF);
    if (frame.length < HEADER_OFFSET + len) {
      throw new MalformedEnvelopeException("inline envelope truncated in header");
    }
    return len;
  }

  /** Parses the envelope header of a frame that {@link #isInline} accepted. */
  public static EnvelopeHeader parseHeader(byte[] frame) {
    return EnvelopeHeader.parse(frame, HEADER_OFFSET, headerLength(frame));
  }
}
