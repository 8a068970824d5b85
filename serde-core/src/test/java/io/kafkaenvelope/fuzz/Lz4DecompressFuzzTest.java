package io.kafkaenvelope.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.kafkaenvelope.internal.compress.Codec;
import io.kafkaenvelope.internal.compress.Codecs;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * The lz4 decompressor over arbitrary input and output bounds: {@link FuzzSupport#checkDecompress}.
 */
class Lz4DecompressFuzzTest {

  private static final Codec CODEC = Codecs.forId(Codecs.LZ4);

  @FuzzTest(maxDuration = FuzzSupport.REGRESSION_DURATION)
  @Timeout(value = FuzzSupport.TIMEOUT_SECONDS, unit = TimeUnit.SECONDS)
  void decompress(byte[] input) {
    FuzzSupport.checkDecompress(CODEC, input);
  }
}
