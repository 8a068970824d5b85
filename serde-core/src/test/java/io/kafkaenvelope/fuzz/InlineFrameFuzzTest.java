package io.kafkaenvelope.fuzz;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.kafkaenvelope.internal.wire.EnvelopeHeader;
import io.kafkaenvelope.internal.wire.InlineFrame;
import io.kafkaenvelope.internal.wire.MalformedEnvelopeException;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * {@link InlineFrame} over arbitrary values: recognising the magic never throws, and opening a
 * frame it recognised either yields a header lying inside the value or throws
 * {@link MalformedEnvelopeException}.
 */
class InlineFrameFuzzTest {

  @FuzzTest(maxDuration = FuzzSupport.REGRESSION_DURATION)
  @Timeout(value = FuzzSupport.TIMEOUT_SECONDS, unit = TimeUnit.SECONDS)
  void frame(byte[] value) {
    boolean inline = InlineFrame.isInline(value);
    if (value.length < InlineFrame.HEADER_OFFSET) {
      assertFalse(inline, "too short to be a frame");
    }
    if (!inline) {
      return;
    }
    int len;
    EnvelopeHeader h;
    try {
      len = InlineFrame.headerLength(value);
      assertTrue(len >= 0 && InlineFrame.HEADER_OFFSET + len <= value.length,
          "header inside the value");
      h = InlineFrame.parseHeader(value);
    } catch (MalformedEnvelopeException expected) {
      return;
    }
    assertArrayEquals(Arrays.copyOfRange(value, InlineFrame.HEADER_OFFSET,
        InlineFrame.HEADER_OFFSET + len), h.encodedUnsafe());
    assertEquals(InlineFrame.prefixLength(len), InlineFrame.HEADER_OFFSET + len);
    byte[] rebuilt = new byte[InlineFrame.prefixLength(len)];
    assertEquals(rebuilt.length, InlineFrame.writePrefix(rebuilt, h.encodedUnsafe()));
    assertArrayEquals(Arrays.copyOf(value, rebuilt.length), rebuilt, "frame prefix round-trips");
  }
}
