package io.kafkaenvelope.internal.compress;

import io.kafkaenvelope.internal.wire.WireFormat;

/**
 * The body a version 3 envelope encrypts: {@code u32 uncompressed length | compressed bytes}, the
 * length big-endian. Writers compress only when that makes the record smaller; readers check the
 * stated length against their limits before allocating anything for it, then require the data to
 * decompress to exactly that length.
 *
 * <p>Internal API.
 */
public final class CompressedBody {

  /** Bytes of the uncompressed-length field in front of the compressed data. */
  public static final int LENGTH_FIELD = WireFormat.UNCOMPRESSED_LENGTH_FIELD;
  /** Bytes a version 3 header has beyond a version 1 one: codec and clear prefix length. */
  private static final int V3_HEADER_GROWTH = 3;

  private final byte[] bytes;
  private final int length;

  private CompressedBody(byte[] bytes, int length) {
    this.bytes = bytes;
    this.length = length;
  }

  /**
   * Compresses {@code plaintext[from ..)} into a body, or returns {@code null} when that would not
   * make the record smaller: the body plus what a version 3 header adds must be shorter than the
   * uncompressed bytes.
   */
  public static CompressedBody compress(Codec codec, byte[] plaintext, int from) {
    int n = plaintext.length - from;
    int room = n - LENGTH_FIELD - V3_HEADER_GROWTH - 1; // strictly smaller
    if (room <= 0) {
      return null;
    }
    byte[] body = new byte[LENGTH_FIELD + room];
    int c = codec.compress(plaintext, from, n, body, LENGTH_FIELD);
    if (c < 0) {
      return null;
    }
    body[0] = (byte) (n >>> 24);
    body[1] = (byte) (n >>> 16);
    body[2] = (byte) (n >>> 8);
    body[3] = (byte) n;
    return new CompressedBody(body, LENGTH_FIELD + c);
  }

  /** The body, in the first {@link #length()} bytes (the array may be longer). */
  public byte[] bytes() {
    return bytes;
  }

  public int length() {
    return length;
  }

  /**
   * The uncompressed length stated by the body at {@code in[from ..)}.
   *
   * @throws CorruptDataException if the body is shorter than its length field
   */
  public static long statedLength(byte[] in, int from) {
    if (in.length - from < LENGTH_FIELD) {
      throw new CorruptDataException("compressed record shorter than its length field");
    }
    return ((in[from] & 0xFFL) << 24) | ((in[from + 1] & 0xFF) << 16)
        | ((in[from + 2] & 0xFF) << 8) | (in[from + 3] & 0xFF);
  }

  /**
   * Turns {@code in} = {@code clear prefix (clearLength) | body} into
   * {@code clear prefix | uncompressed}. The caller has checked {@code stated}, the body's
   * {@link #statedLength}, against its limits.
   *
   * @throws CorruptDataException if the data does not decompress to exactly {@code stated} bytes
   */
  public static byte[] decompress(Codec codec, byte[] in, int clearLength, int stated) {
    byte[] out = new byte[clearLength + stated];
    System.arraycopy(in, 0, out, 0, clearLength);
    int from = clearLength + LENGTH_FIELD;
    int n;
    try {
      n = codec.decompress(in, from, in.length - from, out, clearLength, stated);
    } catch (CorruptDataException e) {
      throw e;
    } catch (RuntimeException e) { // a codec library's own failure on bad input
      throw new CorruptDataException(codec.name() + " data does not decode ("
          + e.getClass().getName() + ")");
    }
    if (n != stated) {
      throw new CorruptDataException(codec.name() + "-compressed record decompressed to " + n
          + " bytes, not the " + stated + " it states");
    }
    return out;
  }
}
