package io.kafkaenvelope.serde;

import static io.kafkaenvelope.testing.TestConfigs.MARKER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkaenvelope.config.EnvelopeConfig;
import io.kafkaenvelope.testing.Pair;
import io.kafkaenvelope.testing.TestConfigs;
import io.kafkaenvelope.internal.wire.InlineFrame;
import io.kafkaenvelope.internal.wire.WireFormat;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Serdes;
import org.junit.jupiter.api.Test;

/**
 * Where the envelope goes ({@code envelope.framing}), and readers that cope with the headers Kafka
 * Streams 4.3+ hands state-store serdes: the current input record's, unrelated to the stored value.
 */
class FramingTest {

  private final Map<String, Object> configs = TestConfigs.base(TestConfigs.newKmsName());

  @Test
  void inlineFramingPutsTheEnvelopeInTheValueEvenWhenHeadersArePassed() {
    Map<String, Object> inline = new HashMap<>(configs);
    inline.put(EnvelopeConfig.FRAMING, "inline");
    try (Pair p = new Pair(inline, false)) {
      RecordHeaders headers = new RecordHeaders();
      byte[] wire = p.serializer.serialize("orders", headers, MARKER + " a");
      assertTrue(InlineFrame.isInline(wire));
      assertNull(headers.lastHeader(WireFormat.VALUE_HEADER), "no header in inline framing");
      assertFalse(new String(wire, StandardCharsets.ISO_8859_1).contains(MARKER));
      assertEquals(MARKER + " a", p.deserializer.deserialize("orders", headers, wire));
    }
  }

  @Test
  void inlineFramingDropsAForwardedEnvelopeHeader() {
    Map<String, Object> inline = new HashMap<>(configs);
    inline.put(EnvelopeConfig.FRAMING, "inline");
    try (Pair headerMode = new Pair(configs, false); Pair p = new Pair(inline, false)) {
      RecordHeaders forwarded = new RecordHeaders();
      headerMode.serializer.serialize("in", forwarded, "upstream");
      byte[] wire = p.serializer.serialize("out", forwarded, MARKER + " b");
      assertNull(forwarded.lastHeader(WireFormat.VALUE_HEADER));
      assertEquals(MARKER + " b", p.deserializer.deserialize("out", forwarded, wire));
    }
  }

  @Test
  void envelopeSerdeFramesInlineByDefault() {
    try (EnvelopeSerde<String> serde = new EnvelopeSerde<>(Serdes.String())) {
      serde.configure(configs, false);
      RecordHeaders headers = new RecordHeaders();
      byte[] wire = serde.serializer().serialize("app-store-changelog", headers, MARKER + " c");
      assertTrue(InlineFrame.isInline(wire));
      assertNull(headers.lastHeader(WireFormat.VALUE_HEADER));
      assertEquals(MARKER + " c", serde.deserializer().deserialize("app-store-changelog", wire));
    }
  }

  @Test
  void envelopeSerdeHonoursHeaderFramingWhenAskedFor() {
    Map<String, Object> headersMode = new HashMap<>(configs);
    headersMode.put(EnvelopeConfig.FRAMING, "headers");
    try (EnvelopeSerde<String> serde = new EnvelopeSerde<>(Serdes.String())) {
      serde.configure(headersMode, false);
      RecordHeaders headers = new RecordHeaders();
      byte[] wire = serde.serializer().serialize("orders", headers, "x");
      assertFalse(InlineFrame.isInline(wire));
      assertEquals("x", serde.deserializer().deserialize("orders", headers, wire));
    }
  }

  /**
   * Kafka Streams 4.3+: a store value is written and read while some input record is being
   * processed, and the store serde receives that record's headers, which carry the input's own
   * envelope header (another topic, another ciphertext). The inline frame must win.
   */
  @Test
  void inlineValueReadsDespiteAnUnrelatedEnvelopeHeader() {
    try (Pair input = new Pair(configs, false);
        EnvelopeSerde<String> store = new EnvelopeSerde<>(Serdes.String())) {
      store.configure(configs, false);
      RecordHeaders inputHeaders = new RecordHeaders();
      input.serializer.serialize("words", inputHeaders, "input record");
      RecordHeaders contextHeaders = new RecordHeaders(inputHeaders.toArray());

      byte[] stored = store.serializer().serialize("app-store-changelog", contextHeaders,
          MARKER + " aggregate");
      // a later input record's headers, as Streams passes them on the next get()
      RecordHeaders later = new RecordHeaders();
      input.serializer.serialize("words", later, "another input record");
      assertEquals(MARKER + " aggregate",
          store.deserializer().deserialize("app-store-changelog", later, stored));
    }
  }

  @Test
  void aTamperedInlineValueFailsEvenWithAValidHeaderAround() {
    try (Pair p = new Pair(configs, false);
        EnvelopeSerde<String> store = new EnvelopeSerde<>(Serdes.String())) {
      store.configure(configs, false);
      RecordHeaders headers = new RecordHeaders();
      p.serializer.serialize("t", headers, "other");
      byte[] stored = store.serializer().serialize("t", MARKER);
      stored[stored.length - 1] ^= 1;
      EnvelopeException e = assertThrows(EnvelopeException.class,
          () -> store.deserializer().deserialize("t", headers, stored));
      assertEquals(EnvelopeException.Reason.TAMPERED, e.reason());
      assertFalse(e.getMessage().contains(MARKER));
    }
  }

  @Test
  void unknownFramingIsAConfigError() {
    Map<String, Object> bad = new HashMap<>(configs);
    bad.put(EnvelopeConfig.FRAMING, "trailer");
    ConfigException e = assertThrows(ConfigException.class, () -> new Pair(bad, false));
    assertTrue(e.getMessage().contains(EnvelopeConfig.FRAMING), e.getMessage());
  }
}
