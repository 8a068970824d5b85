package io.kafkaenvelope.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.kafkaenvelope.internal.compress.Codec;
import io.kafkaenvelope.internal.compress.Codecs;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * The zstd decompressor over arbitrary input and output bounds: {@link
 * FuzzSupport#checkDecompress}.
 */
class ZstdDecompressFuzzTest {

  private static final Codec CODEC = Codecs.forId(Codecs.ZSTD);

  @FuzzTest(maxDuration = FuzzSupport.REGRESSION_DURATION)
  @Timeout(value = FuzzSupport.TIMEOUT_SECONDS, unit = TimeUnit.SECONDS)
  void decompress(byte[] input) {
    FuzzSupport.checkDecompress(CODEC, input);
  }
}
