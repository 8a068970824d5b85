package io.kafkaenvelope.internal.dek;

/**
 * When a data key retires. The next key is prepared once any limit is {@link #REFRESH_FRACTION}
 * reached, so that it is ready before the current one is exhausted.
 *
 * @param maxAgeNanos age since the key's first use
 * @param maxRecords records encrypted; never above {@link #HARD_MAX_RECORDS}
 * @param maxBytes plaintext bytes encrypted
 */
public record RotationLimits(long maxAgeNanos, long maxRecords, long maxBytes) {

  /**
   * No setting can let one DEK encrypt more records than this. AES-GCM with random 96-bit nonces
   * must stay below 2^32 messages per key (NIST SP 800-38D); our nonces come from a counter, but
   * the cap keeps the guarantee even if that ever changes and bounds what one key protects.
   */
  public static final long HARD_MAX_RECORDS = 1L << 31;

  /** Fraction of any limit at which the next key is prepared in the background. */
  public static final double REFRESH_FRACTION = 0.9;

  public RotationLimits {
    if (maxAgeNanos <= 0 || maxRecords <= 0 || maxBytes <= 0) {
      throw new IllegalArgumentException("rotation limits must be positive");
    }
    maxRecords = Math.min(maxRecords, HARD_MAX_RECORDS);
  }

  static long refreshPoint(long limit) {
    return Math.max(1, (long) (limit * REFRESH_FRACTION));
  }
}
