package io.kafkaenvelope.fuzz;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.kafkaenvelope.internal.wire.FieldHeader;
import io.kafkaenvelope.internal.wire.MalformedEnvelopeException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * {@link FieldHeader#parse} (format version 5) over arbitrary bytes: it either returns a header
 * that re-encodes to exactly the input (binding, count, paths, then the tag it carried) or throws
 * {@link MalformedEnvelopeException} (or {@code UnsupportedVersionException}); anything else
 * escaping is a finding.
 */
class FieldHeaderFuzzTest {

  @FuzzTest(maxDuration = FuzzSupport.REGRESSION_DURATION)
  @Timeout(value = FuzzSupport.TIMEOUT_SECONDS, unit = TimeUnit.SECONDS)
  void parse(byte[] input) {
    FieldHeader h;
    try {
      h = FieldHeader.parse(input);
    } catch (MalformedEnvelopeException expected) {
      return;
    }
    assertArrayEquals(input, h.encodedUnsafe(), "a parsed header keeps its bytes");
    byte[] nonce = Arrays.copyOfRange(input, FieldHeader.recordNonceOffset(),
        FieldHeader.recordNonceOffset() + 12);
    byte[] binding = FieldHeader.binding(h.role(), h.index(),
        HexFormat.of().parseHex(h.dekIdHex()), nonce, h.topic(), h.kekId(), h.kekVersion(),
        h.wrappedDek());
    assertArrayEquals(h.binding(), binding, "canonical binding");
    byte[] again = FieldHeader.unsealed(binding, h.count(), h.paths());
    System.arraycopy(input, input.length - 16, again, again.length - 16, 16);
    assertArrayEquals(input, again, "canonical: re-encoding gives the input");
    assertEquals(h.toString(), FieldHeader.parse(again).toString());
  }
}
