package io.kafkaenvelope.compress;

import com.github.luben.zstd.Zstd;

/**
 * Zstandard frames through zstd-jni, level 3 (zstd's default). Loaded only when configured, so
 * zstd-jni stays optional.
 */
final class ZstdCodec implements Codec {

  static final int LEVEL = 3;

  @Override
  public byte id() {
    return Codecs.ZSTD;
  }

  @Override
  public String name() {
    return "zstd";
  }

  @Override
  public int compress(byte[] src, int srcOffset, int srcLength, byte[] dst, int dstOffset) {
    long n;
    try {
      n = Zstd.compressByteArray(dst, dstOffset, dst.length - dstOffset, src, srcOffset,
          srcLength, LEVEL);
    } catch (RuntimeException e) { // zstd-jni versions differ: error code or ZstdException
      return -1; // the usual error: the output does not fit; sending uncompressed is always safe
    }
    return Zstd.isError(n) ? -1 : (int) n;
  }

  @Override
  public int decompress(byte[] src, int srcOffset, int srcLength, byte[] dst, int dstOffset,
      int dstLength) {
    // Bounded by dstLength whatever the frame header claims; a frame that needs more space, or
    // input left over after the frame, is an error.
    long n;
    try {
      n = Zstd.decompressByteArray(dst, dstOffset, dstLength, src, srcOffset, srcLength);
    } catch (RuntimeException e) { // zstd-jni versions differ: error code or ZstdException
      throw new CorruptDataException("zstd frame does not decode within the stated length ("
          + e.getClass().getSimpleName() + ")");
    }
    if (Zstd.isError(n)) {
      throw new CorruptDataException("zstd frame does not decode within the stated length ("
          + Zstd.getErrorName(n) + ")");
    }
    return (int) n;
  }
}
