package io.kafkaenvelope.fuzz;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.kafkaenvelope.serde.DecryptingDeserializer;
import io.kafkaenvelope.serde.EncryptingSerializer;
import io.kafkaenvelope.serde.EnvelopeException;
import io.kafkaenvelope.internal.wire.WireFormat;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Timeout;

/**
 * Structure-aware: records made by the real serializer (value and key, header mode and inline,
 * clear prefix, gzip, lz4, zstd) with fuzzed edits to the header or the value. Input:
 * {@code template | (op, u16 position, byte)*}; op bit 0 edits the header instead of the value,
 * bits 1-2 choose XOR, truncate, insert or overwrite. Property: an unchanged record decrypts to
 * its plaintext; a changed one is refused with {@link EnvelopeException}, never decrypted, never
 * anything else.
 */
class TamperedRecordFuzzTest {

  private record Template(boolean isKey, byte[] header, byte[] value, byte[] plaintext) {}

  private static final List<Template> TEMPLATES = new ArrayList<>();
  private static final DecryptingDeserializer<byte[]> VALUE = FuzzSupport.deserializer(false,
      false);
  private static final DecryptingDeserializer<byte[]> KEY = FuzzSupport.deserializer(true, false);

  static {
    byte[] json = ("{\"sku\":\"SKU-1\",\"status\":\"SHIPPED\"},{\"sku\":\"SKU-2\",\"status\":"
        + "\"SHIPPED\"},{\"sku\":\"SKU-3\",\"status\":\"SHIPPED\"}").getBytes(
            StandardCharsets.UTF_8);
    byte[] framed = new byte[5 + json.length]; // registry framing: 0x00, schema id 42
    framed[4] = 42;
    System.arraycopy(json, 0, framed, 5, json.length);
    add(false, Map.of(), json);
    add(true, Map.of(), "key-1".getBytes(StandardCharsets.UTF_8));
    add(false, Map.of("envelope.clear.prefix", "schema-id-4"), framed);
    add(false, Map.of("envelope.compression.type", "gzip"), json);
    add(false, Map.of("envelope.compression.type", "lz4"), json);
    add(false, Map.of("envelope.compression.type", "zstd"), json);
    add(false, Map.of("envelope.compression.type", "zstd", "envelope.clear.prefix",
        "schema-id-4"), framed);
    add(false, Map.of("envelope.framing", "inline"), json);
    add(true, Map.of("envelope.framing", "inline", "envelope.compression.type", "gzip"), json);
  }

  private static void add(boolean isKey, Map<String, String> extra, byte[] plaintext) {
    Map<String, Object> configs = FuzzSupport.configs(false);
    configs.putAll(extra);
    try (EncryptingSerializer<byte[]> s = new EncryptingSerializer<>(new ByteArraySerializer())) {
      s.configure(configs, isKey);
      RecordHeaders headers = new RecordHeaders();
      byte[] value = s.serialize(FuzzSupport.TOPIC, headers, plaintext);
      Header h = headers.lastHeader(isKey ? WireFormat.KEY_HEADER : WireFormat.VALUE_HEADER);
      TEMPLATES.add(new Template(isKey, h == null ? null : h.value(), value, plaintext));
    }
  }

  @FuzzTest(maxDuration = FuzzSupport.REGRESSION_DURATION)
  @Timeout(value = FuzzSupport.TIMEOUT_SECONDS, unit = TimeUnit.SECONDS)
  void tamper(byte[] input) {
    if (input.length < 1) {
      return;
    }
    Template t = TEMPLATES.get((input[0] & 0xFF) % TEMPLATES.size());
    byte[] header = t.header == null ? null : t.header.clone();
    byte[] value = t.value.clone();
    for (int i = 1; i + 3 < input.length; i += 4) {
      int op = input[i] & 0xFF;
      int pos = ((input[i + 1] & 0xFF) << 8) | (input[i + 2] & 0xFF);
      byte b = input[i + 3];
      boolean onHeader = (op & 1) != 0 && header != null;
      byte[] target = onHeader ? header : value;
      target = edit(target, (op >> 1) & 3, pos, b);
      if (onHeader) {
        header = target;
      } else {
        value = target;
      }
    }
    boolean changed = !Arrays.equals(value, t.value) || !Arrays.equals(header, t.header);
    DecryptingDeserializer<byte[]> d = t.isKey ? KEY : VALUE;
    byte[] out;
    try {
      if (t.header == null) {
        out = d.deserialize(FuzzSupport.TOPIC, value);
      } else {
        RecordHeaders headers = new RecordHeaders();
        headers.add(t.isKey ? WireFormat.KEY_HEADER : WireFormat.VALUE_HEADER, header);
        out = d.deserialize(FuzzSupport.TOPIC, headers, value);
      }
    } catch (EnvelopeException e) {
      assertTrue(changed, "the unchanged record was refused: " + e.getMessage());
      return;
    }
    if (changed) {
      fail("a changed record decrypted");
    }
    assertArrayEquals(t.plaintext, out);
    assertEquals(t.plaintext.length, out.length);
  }

  private static byte[] edit(byte[] a, int kind, int pos, byte b) {
    switch (kind) {
      case 0: // xor
        if (a.length > 0) {
          a[pos % a.length] ^= b;
        }
        return a;
      case 1: // truncate
        return Arrays.copyOf(a, a.length == 0 ? 0 : pos % a.length);
      case 2: { // insert
        int p = pos % (a.length + 1);
        byte[] r = new byte[a.length + 1];
        System.arraycopy(a, 0, r, 0, p);
        r[p] = b;
        System.arraycopy(a, p, r, p + 1, a.length - p);
        return r;
      }
      default: // overwrite
        if (a.length > 0) {
          a[pos % a.length] = b;
        }
        return a;
    }
  }
}
