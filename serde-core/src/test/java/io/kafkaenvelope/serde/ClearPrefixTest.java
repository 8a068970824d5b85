package io.kafkaenvelope.serde;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkaenvelope.config.EnvelopeConfig;
import io.kafkaenvelope.serde.EnvelopeException.Reason;
import io.kafkaenvelope.testing.TestConfigs;
import io.kafkaenvelope.internal.wire.EnvelopeHeader;
import io.kafkaenvelope.internal.wire.InlineFrame;
import io.kafkaenvelope.internal.wire.Role;
import io.kafkaenvelope.internal.wire.WireFormat;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/**
 * {@code envelope.clear.prefix}: a schema registry's framing stays readable in front of the
 * ciphertext, is authenticated with the envelope header, and fails closed when absent.
 */
class ClearPrefixTest {

  private static final byte[] BODY =
      ("body " + TestConfigs.MARKER).getBytes(StandardCharsets.UTF_8);

  private final Map<String, Object> configs = TestConfigs.base(TestConfigs.newKmsName());

  private static byte[] framed(int idBytes, long schemaId) {
    byte[] out = new byte[1 + idBytes + BODY.length];
    for (int i = 0; i < idBytes; i++) {
      out[idBytes - i] = (byte) (schemaId >>> (8 * i));
    }
    System.arraycopy(BODY, 0, out, 1 + idBytes, BODY.length);
    return out;
  }

  private EncryptingSerializer<byte[]> serializer(String mode, boolean isKey) {
    configs.put(EnvelopeConfig.CLEAR_PREFIX, mode);
    return TestConfigs.bytesSerializer(configs, isKey);
  }

  private DecryptingDeserializer<byte[]> deserializer(boolean isKey) {
    // Readers need no setting: the envelope header records the prefix length.
    return TestConfigs.bytesDeserializer(configs.get("envelope.kms.memory.name").toString(),
        isKey);
  }

  private static Headers withHeader(Role role, byte[] header) {
    RecordHeaders h = new RecordHeaders();
    h.add(role.headerName(), header);
    return h;
  }

  @Test
  void schemaId4PrefixIsReadableAndTheRestEncrypted() {
    byte[] plaintext = framed(4, 0x0102_0304L);
    try (EncryptingSerializer<byte[]> s = serializer("schema-id-4", false);
        DecryptingDeserializer<byte[]> d = deserializer(false)) {
      RecordHeaders headers = new RecordHeaders();
      byte[] wire = s.serialize("orders", headers, plaintext);
      assertArrayEquals(Arrays.copyOf(plaintext, 5), Arrays.copyOf(wire, 5), "clear framing");
      assertEquals(5 + 12 + BODY.length + 16, wire.length);
      assertFalse(new String(wire, StandardCharsets.ISO_8859_1).contains(TestConfigs.MARKER));
      byte[] header = headers.lastHeader(WireFormat.VALUE_HEADER).value();
      assertEquals(WireFormat.VERSION_2, header[0]);
      assertEquals(5, EnvelopeHeader.parse(header).clearPrefixLength());
      assertArrayEquals(plaintext, d.deserialize("orders", headers, wire));
      // consecutive records take the cached-header path; it must honour the prefix as well
      byte[] second = framed(4, 7);
      RecordHeaders h2 = new RecordHeaders();
      byte[] wire2 = s.serialize("orders", h2, second);
      assertArrayEquals(second, d.deserialize("orders", h2, wire2));
    }
  }

  @Test
  void schemaId8PrefixForKeysToo() {
    byte[] plaintext = framed(8, 0x0102_0304_0506_0708L);
    try (EncryptingSerializer<byte[]> s = serializer("schema-id-8", true);
        DecryptingDeserializer<byte[]> d = deserializer(true)) {
      RecordHeaders headers = new RecordHeaders();
      byte[] wire = s.serialize("orders", headers, plaintext);
      assertArrayEquals(Arrays.copyOf(plaintext, 9), Arrays.copyOf(wire, 9));
      assertEquals(9, EnvelopeHeader.parse(headers.lastHeader(WireFormat.KEY_HEADER).value())
          .clearPrefixLength());
      assertArrayEquals(plaintext, d.deserialize("orders", headers, wire));
    }
  }

  @Test
  void everyBitFlipOfTheClearPrefixIsRejectedAsTampered() {
    try (EncryptingSerializer<byte[]> s = serializer("schema-id-4", false);
        DecryptingDeserializer<byte[]> d = deserializer(false)) {
      RecordHeaders headers = new RecordHeaders();
      byte[] wire = s.serialize("orders", headers, framed(4, 42));
      byte[] header = headers.lastHeader(WireFormat.VALUE_HEADER).value();
      assertArrayEquals(framed(4, 42), d.deserialize("orders", headers, wire)); // warms the cache
      for (int bit = 0; bit < 5 * 8; bit++) {
        byte[] copy = wire.clone();
        copy[bit / 8] ^= (byte) (1 << (bit % 8));
        EnvelopeException e = assertThrows(EnvelopeException.class,
            () -> d.deserialize("orders", withHeader(Role.VALUE, header), copy));
        assertEquals(Reason.TAMPERED, e.reason(), "bit " + bit);
        assertFalse(e.getMessage().contains(TestConfigs.MARKER));
      }
      // a shorter value than the prefix, and a value cut right after it
      for (int len : new int[] {0, 3, 5, 5 + 12, 5 + 12 + 15}) {
        byte[] cut = Arrays.copyOf(wire, len);
        EnvelopeException e = assertThrows(EnvelopeException.class,
            () -> d.deserialize("orders", withHeader(Role.VALUE, header), cut));
        assertTrue(e.reason() == Reason.MALFORMED || e.reason() == Reason.TAMPERED,
            "length " + len + ": " + e.reason());
      }
    }
  }

  @Test
  void prefixLengthInTheHeaderIsAuthenticated() {
    try (EncryptingSerializer<byte[]> s = serializer("schema-id-4", false);
        DecryptingDeserializer<byte[]> d = deserializer(false)) {
      RecordHeaders headers = new RecordHeaders();
      byte[] wire = s.serialize("orders", headers, framed(4, 42));
      byte[] header = headers.lastHeader(WireFormat.VALUE_HEADER).value();
      // claim a longer or shorter clear prefix: the AAD changes, so authentication fails
      for (int p : new int[] {4, 6, 17}) {
        byte[] h = header.clone();
        h[3] = (byte) (p >>> 8);
        h[4] = (byte) p;
        EnvelopeException e = assertThrows(EnvelopeException.class,
            () -> d.deserialize("orders", withHeader(Role.VALUE, h), wire));
        assertEquals(Reason.TAMPERED, e.reason(), "prefix " + p);
      }
      // version 2 with a zero prefix is not canonical
      byte[] zero = header.clone();
      zero[3] = 0;
      zero[4] = 0;
      assertEquals(Reason.MALFORMED, assertThrows(EnvelopeException.class,
          () -> d.deserialize("orders", withHeader(Role.VALUE, zero), wire)).reason());
      // downgrading to version 1 (dropping the length field) does not pass either
      byte[] v1 = new byte[header.length - 2];
      v1[0] = WireFormat.VERSION_1;
      v1[1] = header[1];
      v1[2] = header[2];
      System.arraycopy(header, 5, v1, 3, header.length - 5);
      assertEquals(Reason.TAMPERED, assertThrows(EnvelopeException.class,
          () -> d.deserialize("orders", withHeader(Role.VALUE, v1), wire)).reason());
    }
  }

  @Test
  void valueWithoutRegistryFramingFailsClosed() {
    try (EncryptingSerializer<byte[]> s = serializer("schema-id-4", false)) {
      for (byte[] bad : new byte[][] {BODY, {0, 1, 2}, new byte[0]}) {
        RecordHeaders headers = new RecordHeaders();
        headers.add(WireFormat.VALUE_HEADER,
            new byte[] {1}); // a forwarded header must not ride along
        EnvelopeException e = assertThrows(EnvelopeException.class,
            () -> s.serialize("orders", headers, bad));
        assertEquals(Reason.MISCONFIGURED, e.reason());
        assertFalse(e.getMessage().contains(TestConfigs.MARKER));
        assertNull(headers.lastHeader(WireFormat.VALUE_HEADER));
      }
    }
  }

  @Test
  void withoutHeadersTheWholeValueIsEncryptedInline() {
    byte[] plaintext = framed(4, 42);
    try (EncryptingSerializer<byte[]> s = serializer("schema-id-4", false);
        DecryptingDeserializer<byte[]> d = deserializer(false)) {
      byte[] wire = s.serialize("store-changelog", plaintext);
      assertTrue(InlineFrame.isInline(wire));
      assertEquals(WireFormat.VERSION_1, InlineFrame.parseHeader(wire).encodedUnsafe()[0]);
      assertArrayEquals(plaintext, d.deserialize("store-changelog", wire));
    }
  }

  @Test
  void inlineFrameWithAVersion2HeaderIsRejected() {
    try (EncryptingSerializer<byte[]> s = serializer("schema-id-4", false);
        DecryptingDeserializer<byte[]> d = deserializer(false)) {
      RecordHeaders headers = new RecordHeaders();
      byte[] sealed = s.serialize("orders", headers, framed(4, 42));
      byte[] header = headers.lastHeader(WireFormat.VALUE_HEADER).value();
      byte[] frame = new byte[InlineFrame.prefixLength(header.length) + sealed.length];
      int at = InlineFrame.writePrefix(frame, header);
      System.arraycopy(sealed, 0, frame, at, sealed.length);
      assertEquals(Reason.MALFORMED,
          assertThrows(EnvelopeException.class, () -> d.deserialize("orders", frame)).reason());
    }
  }

  @Test
  void unknownModeIsAConfigError() {
    configs.put(EnvelopeConfig.CLEAR_PREFIX, "five");
    try (EncryptingSerializer<byte[]> s = new EncryptingSerializer<>(new ByteArraySerializer())) {
      assertThrows(ConfigException.class, () -> s.configure(configs, false));
    }
  }
}
