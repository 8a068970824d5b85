package io.kafkaenvelope.internal.compress;

import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Exception;
import net.jpountz.lz4.LZ4Factory;
import net.jpountz.lz4.LZ4SafeDecompressor;

/**
 * LZ4 block format (no frame: the envelope already states the uncompressed length), through
 * lz4-java. Loaded only when configured, so lz4-java stays optional.
 */
final class Lz4Codec implements Codec {

  private final LZ4Compressor compressor;
  private final LZ4SafeDecompressor decompressor;

  Lz4Codec() {
    LZ4Factory factory = LZ4Factory.fastestInstance();
    this.compressor = factory.fastCompressor();
    // The safe decompressor checks every offset against the input and output bounds: the input
    // is authenticated, but a bug or a compromised producer key must not read out of bounds.
    this.decompressor = factory.safeDecompressor();
  }

  @Override
  public byte id() {
    return Codecs.LZ4;
  }

  @Override
  public String name() {
    return "lz4";
  }

  @Override
  public int compress(byte[] src, int srcOffset, int srcLength, byte[] dst, int dstOffset) {
    try {
      return compressor.compress(src, srcOffset, srcLength, dst, dstOffset, dst.length - dstOffset);
    } catch (LZ4Exception e) {
      return -1; // does not fit: not worth compressing
    }
  }

  @Override
  public int decompress(byte[] src, int srcOffset, int srcLength, byte[] dst, int dstOffset,
      int dstLength) {
    try {
      return decompressor.decompress(src, srcOffset, srcLength, dst, dstOffset, dstLength);
    } catch (LZ4Exception e) {
      throw new CorruptDataException("lz4 block does not decode within the stated length");
    }
  }
}
