package io.kafkaenvelope.dek;

import io.kafkaenvelope.config.EnvelopeConfig;

/**
 * When a data key retires. The next key is prepared once any limit is {@link #REFRESH_FRACTION}
 * reached, so that it is ready before the current one is exhausted.
 *
 * @param maxAgeNanos age since the key's first use
 * @param maxRecords records encrypted; never above {@link EnvelopeConfig#HARD_MAX_RECORDS_PER_DEK}
 * @param maxBytes plaintext bytes encrypted
 */
public record RotationLimits(long maxAgeNanos, long maxRecords, long maxBytes) {

  /** Fraction of any limit at which the next key is prepared in the background. */
  public static final double REFRESH_FRACTION = 0.9;

  public RotationLimits {
    if (maxAgeNanos <= 0 || maxRecords <= 0 || maxBytes <= 0) {
      throw new IllegalArgumentException("rotation limits must be positive");
    }
    maxRecords = Math.min(maxRecords, EnvelopeConfig.HARD_MAX_RECORDS_PER_DEK);
  }

  static long refreshPoint(long limit) {
    return Math.max(1, (long) (limit * REFRESH_FRACTION));
  }
}
