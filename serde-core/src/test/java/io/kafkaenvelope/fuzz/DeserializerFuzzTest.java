package io.kafkaenvelope.fuzz;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.kafkaenvelope.serde.DecryptingDeserializer;
import io.kafkaenvelope.serde.EnvelopeException;
import io.kafkaenvelope.internal.wire.InlineFrame;
import io.kafkaenvelope.internal.wire.WireFormat;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Timeout;

/**
 * The whole deserializer (local KMS) over arbitrary records, with and without record headers.
 * Input: {@code flags | [u16 n | header value (n bytes)] | record value}; flags bit 0 reads the
 * key,
 * bit 1 passes record headers, bit 2 adds a second (earlier) header of the same name, bit 3 uses
 * {@code envelope.plaintext.policy=allow}, bit 4 sends the other role's header too. Only
 * {@link EnvelopeException} may escape, and nobody without the key makes a record that decrypts:
 * the only success is a record with no envelope passed through under the allow policy, unchanged.
 */
class DeserializerFuzzTest {

  private static final DecryptingDeserializer<byte[]>[] DESERIALIZERS = deserializers();

  @SuppressWarnings("unchecked")
  private static DecryptingDeserializer<byte[]>[] deserializers() {
    DecryptingDeserializer<byte[]>[] d = new DecryptingDeserializer[4];
    for (int i = 0; i < 4; i++) {
      d[i] = FuzzSupport.deserializer((i & 1) != 0, (i & 2) != 0);
    }
    return d;
  }

  @FuzzTest(maxDuration = FuzzSupport.REGRESSION_DURATION)
  @Timeout(value = FuzzSupport.TIMEOUT_SECONDS, unit = TimeUnit.SECONDS)
  void deserialize(byte[] input) {
    if (input.length < 1) {
      return;
    }
    int flags = input[0] & 0xFF;
    boolean isKey = (flags & 1) != 0;
    boolean withHeaders = (flags & 2) != 0;
    boolean allow = (flags & 8) != 0;
    int pos = 1;
    RecordHeaders headers = null;
    boolean hasEnvelopeHeader = false;
    if (withHeaders) {
      headers = new RecordHeaders();
      int n = 0;
      if (input.length >= pos + 2) {
        n = Math.min(((input[pos] & 0xFF) << 8) | (input[pos + 1] & 0xFF), input.length - pos - 2);
        pos += 2;
      }
      byte[] header = Arrays.copyOfRange(input, pos, pos + n);
      pos += n;
      String name = isKey ? WireFormat.KEY_HEADER : WireFormat.VALUE_HEADER;
      if ((flags & 4) != 0) {
        headers.add(name, new byte[] {1, 1, 1}); // an earlier duplicate: the last one counts
      }
      if ((flags & 16) != 0) {
        headers.add(isKey ? WireFormat.VALUE_HEADER : WireFormat.KEY_HEADER, header);
      }
      headers.add(name, header);
      hasEnvelopeHeader = true;
    }
    byte[] value = Arrays.copyOfRange(input, pos, input.length);
    DecryptingDeserializer<byte[]> d = DESERIALIZERS[(isKey ? 1 : 0) + (allow ? 2 : 0)];
    byte[] out;
    try {
      out = headers == null ? d.deserialize(FuzzSupport.TOPIC, value)
          : d.deserialize(FuzzSupport.TOPIC, headers, value);
    } catch (EnvelopeException expected) {
      assertTrue(expected.getMessage() != null && expected.reason() != null);
      return;
    }
    if (!allow || hasEnvelopeHeader || InlineFrame.isInline(value)) {
      fail("a record nobody encrypted was accepted");
    }
    assertArrayEquals(value, out, "plaintext passes through unchanged");
  }
}
