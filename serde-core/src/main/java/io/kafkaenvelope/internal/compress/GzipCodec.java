package io.kafkaenvelope.internal.compress;

import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * One gzip member (RFC 1952) through {@code java.util.zip}: a fixed 10-byte header (no name, no
 * time, OS 255 "unknown"), raw DEFLATE at zlib's default level 6, CRC-32 and length. The header is
 * written here rather than by {@code GZIPOutputStream} so its bytes do not depend on the JDK, and
 * one {@link Deflater}/{@link Inflater} per thread is reused (each holds ~300 KiB of native memory
 * and is slow to create, which matters once per record).
 */
final class GzipCodec implements Codec {

  /** ID1 ID2 CM=8 FLG=0 MTIME=0 XFL=0 OS=255. */
  static final byte[] HEADER = {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, (byte) 0xff};
  private static final int TRAILER = 8;
  private static final int FHCRC = 2;
  private static final int FEXTRA = 4;
  private static final int FNAME = 8;
  private static final int FCOMMENT = 16;

  private static final ThreadLocal<Deflater> DEFLATER =
      ThreadLocal.withInitial(() -> new Deflater(Deflater.DEFAULT_COMPRESSION, true));
  private static final ThreadLocal<Inflater> INFLATER =
      ThreadLocal.withInitial(() -> new Inflater(true));

  @Override
  public byte id() {
    return Codecs.GZIP;
  }

  @Override
  public String name() {
    return "gzip";
  }

  @Override
  public int compress(byte[] src, int srcOffset, int srcLength, byte[] dst, int dstOffset) {
    int room = dst.length - dstOffset;
    if (room < HEADER.length + TRAILER + 1) {
      return -1;
    }
    System.arraycopy(HEADER, 0, dst, dstOffset, HEADER.length);
    Deflater d = DEFLATER.get();
    d.reset();
    d.setInput(src, srcOffset, srcLength);
    d.finish();
    int pos = dstOffset + HEADER.length;
    int limit = dst.length - TRAILER;
    while (!d.finished()) {
      if (pos >= limit) {
        return -1; // does not fit: not worth compressing
      }
      pos += d.deflate(dst, pos, limit - pos);
    }
    CRC32 crc = new CRC32();
    crc.update(src, srcOffset, srcLength);
    putIntLe(dst, pos, (int) crc.getValue());
    putIntLe(dst, pos + 4, srcLength);
    return pos + TRAILER - dstOffset;
  }

  @Override
  public int decompress(byte[] src, int srcOffset, int srcLength, byte[] dst, int dstOffset,
      int dstLength) {
    int end = srcOffset + srcLength;
    int pos = skipHeader(src, srcOffset, end);
    Inflater inf = INFLATER.get();
    inf.reset();
    inf.setInput(src, pos, end - pos);
    int n = 0;
    byte[] probe = new byte[1];
    try {
      int stalls = 0;
      while (!inf.finished()) {
        int k;
        if (n < dstLength) {
          k = inf.inflate(dst, dstOffset + n, dstLength - n);
          n += k;
        } else {
          // Output full: the stream must end here; one more byte means more than stated.
          k = inf.inflate(probe, 0, 1);
          if (k > 0) {
            throw new CorruptDataException("gzip data decompresses to more than the stated length");
          }
        }
        if (k == 0 && !inf.finished() && (inf.needsInput() || inf.needsDictionary()
            || ++stalls > 2)) {
          throw new CorruptDataException("gzip data truncated");
        }
      }
    } catch (DataFormatException e) {
      throw new CorruptDataException("gzip data is not valid DEFLATE");
    }
    if (inf.getRemaining() != TRAILER) {
      throw new CorruptDataException(inf.getRemaining() < TRAILER ? "gzip trailer truncated"
          : "gzip member followed by trailing bytes");
    }
    int t = end - TRAILER;
    CRC32 crc = new CRC32();
    crc.update(dst, dstOffset, n);
    if (getIntLe(src, t) != (int) crc.getValue() || getIntLe(src, t + 4) != n) {
      throw new CorruptDataException("gzip CRC-32 or length does not match");
    }
    return n;
  }

  /** Validates the member header (any flags RFC 1952 allows) and returns where DEFLATE starts. */
  private static int skipHeader(byte[] b, int pos, int end) {
    if (end - pos < HEADER.length + TRAILER || b[pos] != 0x1f || b[pos + 1] != (byte) 0x8b
        || b[pos + 2] != 8) {
      throw new CorruptDataException("not a gzip member");
    }
    int flags = b[pos + 3] & 0xFF;
    if ((flags & 0xE0) != 0) {
      throw new CorruptDataException("gzip header has reserved flags set");
    }
    pos += HEADER.length;
    if ((flags & FEXTRA) != 0) {
      need(pos, 2, end);
      pos += 2 + ((b[pos] & 0xFF) | (b[pos + 1] & 0xFF) << 8);
    }
    for (int f : new int[] {FNAME, FCOMMENT}) {
      if ((flags & f) != 0) {
        do {
          need(pos, 1, end);
        } while (b[pos++] != 0);
      }
    }
    if ((flags & FHCRC) != 0) {
      pos += 2;
    }
    need(pos, TRAILER, end);
    return pos;
  }

  private static void need(int pos, int n, int end) {
    if (pos + n > end) {
      throw new CorruptDataException("gzip header truncated");
    }
  }

  private static void putIntLe(byte[] b, int off, int v) {
    b[off] = (byte) v;
    b[off + 1] = (byte) (v >>> 8);
    b[off + 2] = (byte) (v >>> 16);
    b[off + 3] = (byte) (v >>> 24);
  }

  private static int getIntLe(byte[] b, int off) {
    return (b[off] & 0xFF) | (b[off + 1] & 0xFF) << 8 | (b[off + 2] & 0xFF) << 16
        | (b[off + 3] & 0xFF) << 24;
  }
}
