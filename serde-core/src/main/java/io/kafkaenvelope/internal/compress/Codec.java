package io.kafkaenvelope.internal.compress;

/**
 * A block compressor for one record's bytes. Implementations are thread-safe and keep no state
 * between calls that a caller could observe.
 */
public interface Codec {

  /** The id carried in a version 3 envelope header (never 0). */
  byte id();

  /** The configuration name: {@code gzip}, {@code lz4} or {@code zstd}. */
  String name();

  /**
   * Compresses {@code src[srcOffset .. srcOffset + srcLength)} into {@code dst} from
   * {@code dstOffset}, using at most {@code dst.length - dstOffset} bytes.
   *
   * @return the compressed length, or -1 if it does not fit (the caller then sends the record
   *     uncompressed, so a tight {@code dst} doubles as the "only if it helps" test)
   */
  int compress(byte[] src, int srcOffset, int srcLength, byte[] dst, int dstOffset);

  /**
   * Decompresses all of {@code src[srcOffset .. srcOffset + srcLength)} into
   * {@code dst[dstOffset .. dstOffset + dstLength)}.
   *
   * @return the decompressed length, never more than {@code dstLength}
   * @throws CorruptDataException if the input is not one valid compressed block, has trailing
   *     bytes, or would decompress to more than {@code dstLength} bytes
   */
  int decompress(byte[] src, int srcOffset, int srcLength, byte[] dst, int dstOffset,
      int dstLength);
}
