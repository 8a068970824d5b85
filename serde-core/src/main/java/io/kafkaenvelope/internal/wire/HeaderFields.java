package io.kafkaenvelope.internal.wire;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * The length-prefixed fields both envelope header layouts are made of ({@link EnvelopeHeader},
 * {@link DeterministicHeader}): a 2-byte big-endian length, then that many bytes. Reading is
 * strict: a truncated field or a string field that is not valid UTF-8 is a
 * {@link MalformedEnvelopeException} naming the field (never echoing the bytes, which anyone who
 * can write to the topic chooses).
 */
final class HeaderFields {

  private HeaderFields() {}

  static void put(ByteBuffer buf, byte[] field) {
    buf.putShort((short) field.length).put(field);
  }

  /** The next field of {@code header} (e.g. "envelope header"), called {@code name}. */
  static byte[] read(ByteBuffer buf, String header, String name) {
    if (buf.remaining() < 2) {
      throw new MalformedEnvelopeException(header + " truncated before " + name);
    }
    int len = buf.getShort() & 0xFFFF;
    if (buf.remaining() < len) {
      throw new MalformedEnvelopeException(header + " truncated in " + name);
    }
    byte[] f = new byte[len];
    buf.get(f);
    return f;
  }

  /** The next field, as strict UTF-8. */
  static String readUtf8(ByteBuffer buf, String header, String name) {
    return utf8(read(buf, header, name), name);
  }

  /** {@code b} as strict UTF-8 (malformed or unmappable input refused). */
  static String utf8(byte[] b, String name) {
    try {
      return StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(b)).toString();
    } catch (CharacterCodingException e) {
      throw new MalformedEnvelopeException("envelope " + name + " is not valid UTF-8");
    }
  }
}
