package io.kafkaenvelope.fuzz;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.kafkaenvelope.internal.wire.EnvelopeHeader;
import io.kafkaenvelope.internal.wire.MalformedEnvelopeException;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * {@link EnvelopeHeader#parse} over arbitrary bytes: it either returns a header that re-encodes to
 * exactly the input (the encoding is canonical) or throws {@link MalformedEnvelopeException}
 * (or its subclass {@code UnsupportedVersionException}); anything else escaping is a finding.
 */
class EnvelopeHeaderFuzzTest {

  @FuzzTest(maxDuration = FuzzSupport.REGRESSION_DURATION)
  @Timeout(value = FuzzSupport.TIMEOUT_SECONDS, unit = TimeUnit.SECONDS)
  void parse(byte[] input) {
    EnvelopeHeader h;
    try {
      h = EnvelopeHeader.parse(input);
    } catch (MalformedEnvelopeException expected) {
      return;
    }
    assertArrayEquals(input, h.encodedUnsafe(), "a parsed header keeps its bytes");
    EnvelopeHeader again = EnvelopeHeader.create(h.role(), HexFormat.of().parseHex(h.dekIdHex()),
        h.topic(), h.kekId(), h.kekVersion(), h.wrappedDek(), h.clearPrefixLength(), h.codec());
    assertArrayEquals(input, again.encodedUnsafe(), "canonical: re-encoding gives the input");
    assertEquals(h.toString(), EnvelopeHeader.parse(again.encodedUnsafe()).toString());
  }
}
