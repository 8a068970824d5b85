package io.kafkaenvelope.serde;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkaenvelope.internal.compress.Codec;
import io.kafkaenvelope.internal.compress.Codecs;
import io.kafkaenvelope.config.EnvelopeConfig;
import io.kafkaenvelope.internal.crypto.AesGcm;
import io.kafkaenvelope.internal.wire.SealedRecord;
import io.kafkaenvelope.serde.EnvelopeException.Reason;
import io.kafkaenvelope.testing.TestConfigs;
import io.kafkaenvelope.internal.wire.EnvelopeHeader;
import io.kafkaenvelope.internal.wire.InlineFrame;
import io.kafkaenvelope.internal.wire.Role;
import io.kafkaenvelope.internal.wire.WireFormat;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import javax.crypto.spec.SecretKeySpec;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code envelope.compression.type}: records are compressed before they are encrypted, only when
 * that makes them smaller, under a version 3 header; readers check every length and refuse
 * anything that does not decode to exactly what the record states.
 */
class CompressionTest {

  private static final String TOPIC = "orders";
  private static final HexFormat HEX = HexFormat.of();
  /** Known key for forged records, served by the test KMS {@code fixed}. */
  private static final byte[] DEK = HEX.parseHex(
      "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
  private static final byte[] WRAPPED = HEX.parseHex("0badc0de");
  private static final java.util.concurrent.atomic.AtomicLong NONCES =
      new java.util.concurrent.atomic.AtomicLong();

  private final Map<String, Object> configs = TestConfigs.base(TestConfigs.newKmsName());

  /** About 1 KiB of JSON-like text, as a typical event; contains the leak marker. */
  static byte[] jsonLike(int seed) {
    StringBuilder sb = new StringBuilder("{\"marker\":\"" + TestConfigs.MARKER + "\",\"items\":[");
    Random r = new Random(seed);
    for (int i = 0; sb.length() < 1000; i++) {
      sb.append(i == 0 ? "" : ",").append("{\"sku\":\"SKU-").append(10000 + r.nextInt(90000))
          .append("\",\"qty\":").append(1 + r.nextInt(9)).append(",\"status\":\"")
          .append(r.nextBoolean() ? "SHIPPED" : "PENDING").append("\"}");
    }
    return sb.append("]}").toString().getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] random(int n) {
    byte[] b = new byte[n];
    new Random(n).nextBytes(b);
    return b;
  }

  private EncryptingSerializer<byte[]> serializer(String codec, boolean isKey) {
    configs.put(EnvelopeConfig.COMPRESSION_TYPE, codec);
    return TestConfigs.bytesSerializer(configs, isKey);
  }

  private DecryptingDeserializer<byte[]> deserializer(boolean isKey) {
    // Readers need no setting: the envelope header names the codec.
    return TestConfigs.bytesDeserializer(configs.get("envelope.kms.memory.name").toString(),
        isKey);
  }

  private static byte[] header(Headers h, Role role) {
    return h.lastHeader(role.headerName()).value();
  }

  private static boolean containsMarker(byte[] b) {
    return new String(b, StandardCharsets.ISO_8859_1).contains(TestConfigs.MARKER);
  }

  @ParameterizedTest
  @ValueSource(strings = {"gzip", "lz4", "zstd"})
  void headerModeRoundTripIsSmallerOnTheWire(String codec) {
    byte[] plaintext = jsonLike(1);
    try (EncryptingSerializer<byte[]> s = serializer(codec, false);
        DecryptingDeserializer<byte[]> d = deserializer(false)) {
      RecordHeaders headers = new RecordHeaders();
      byte[] wire = s.serialize(TOPIC, headers, plaintext);
      byte[] h = header(headers, Role.VALUE);
      assertEquals(WireFormat.VERSION_3, h[0]);
      EnvelopeHeader parsed = EnvelopeHeader.parse(h);
      assertEquals(Codecs.idOf(codec), parsed.codec());
      assertEquals(0, parsed.clearPrefixLength());
      // uncompressed, the value would be nonce + plaintext + tag
      assertTrue(wire.length < SealedRecord.sealedLength(plaintext.length) / 2,
          codec + ": " + wire.length + " bytes on the wire for " + plaintext.length);
      assertFalse(containsMarker(wire));
      assertArrayEquals(plaintext, d.deserialize(TOPIC, headers, wire));
      // the second record of the same DEK takes the reader's cached-header path
      byte[] second = jsonLike(2);
      RecordHeaders headers2 = new RecordHeaders();
      byte[] wire2 = s.serialize(TOPIC, headers2, second);
      assertArrayEquals(h, header(headers2, Role.VALUE), "header cached per topic and DEK");
      assertArrayEquals(second, d.deserialize(TOPIC, headers2, wire2));
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"gzip", "lz4", "zstd"})
  void inlineRoundTripIsSmaller(String codec) {
    configs.put(EnvelopeConfig.FRAMING, "inline");
    byte[] plaintext = jsonLike(3);
    try (EncryptingSerializer<byte[]> s = serializer(codec, true);
        DecryptingDeserializer<byte[]> d = deserializer(true)) {
      byte[] wire = s.serialize("store-changelog", new RecordHeaders(), plaintext);
      assertTrue(InlineFrame.isInline(wire));
      EnvelopeHeader parsed = InlineFrame.parseHeader(wire);
      assertEquals(Codecs.idOf(codec), parsed.codec());
      assertEquals(Role.KEY, parsed.role());
      assertTrue(wire.length < plaintext.length / 2, codec + ": " + wire.length);
      assertFalse(containsMarker(wire));
      assertArrayEquals(plaintext, d.deserialize("store-changelog", wire));
      // serialize(topic, data) without headers frames inline too
      byte[] noHeaders = s.serialize("store-changelog", plaintext);
      assertArrayEquals(plaintext, d.deserialize("store-changelog", noHeaders));
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"gzip", "lz4", "zstd"})
  void clearPrefixStaysClearAndTheRestIsCompressed(String codec) {
    configs.put(EnvelopeConfig.CLEAR_PREFIX, "schema-id-4");
    byte[] body = jsonLike(4);
    byte[] plaintext = new byte[5 + body.length];
    plaintext[4] = 42; // magic 0, schema id 42
    System.arraycopy(body, 0, plaintext, 5, body.length);
    try (EncryptingSerializer<byte[]> s = serializer(codec, false);
        DecryptingDeserializer<byte[]> d = deserializer(false)) {
      RecordHeaders headers = new RecordHeaders();
      byte[] wire = s.serialize(TOPIC, headers, plaintext);
      assertArrayEquals(Arrays.copyOf(plaintext, 5), Arrays.copyOf(wire, 5), "clear framing");
      EnvelopeHeader parsed = EnvelopeHeader.parse(header(headers, Role.VALUE));
      assertEquals(5, parsed.clearPrefixLength());
      assertEquals(Codecs.idOf(codec), parsed.codec());
      assertTrue(wire.length < plaintext.length / 2, codec + ": " + wire.length);
      assertArrayEquals(plaintext, d.deserialize(TOPIC, headers, wire));
      // the clear prefix is authenticated as in version 2
      byte[] changed = wire.clone();
      changed[4] = 43;
      EnvelopeException e = assertThrows(EnvelopeException.class,
          () -> d.deserialize(TOPIC, headers, changed));
      assertEquals(Reason.TAMPERED, e.reason());
    }
  }

  @Test
  void compressedAndIncompressibleRecordsUnderAClearPrefixEachReuseTheirHeader() {
    configs.put(EnvelopeConfig.CLEAR_PREFIX, "schema-id-4");
    try (EncryptingSerializer<byte[]> s = serializer("lz4", false);
        DecryptingDeserializer<byte[]> d = deserializer(false)) {
      byte[][] firstHeader = new byte[2][]; // [0] version 2 (did not shrink), [1] version 3
      for (int i = 0; i < 20; i++) {
        byte[] body = i % 2 == 0 ? jsonLike(100 + i) : random(900 + i);
        byte[] plaintext = new byte[5 + body.length];
        plaintext[4] = 42;
        System.arraycopy(body, 0, plaintext, 5, body.length);
        RecordHeaders headers = new RecordHeaders();
        byte[] wire = s.serialize(TOPIC, headers, plaintext);
        byte[] h = header(headers, Role.VALUE);
        int kind = i % 2 == 0 ? 1 : 0;
        assertEquals(kind == 1 ? Codecs.LZ4 : 0, EnvelopeHeader.parse(h).codec(), "record " + i);
        if (firstHeader[kind] == null) {
          firstHeader[kind] = h;
        }
        // the serializer hands every record of a kind the same encoded header: alternating kinds
        // must not re-encode it per record
        assertSame(firstHeader[kind], h, "record " + i);
        assertArrayEquals(plaintext, d.deserialize(TOPIC, headers, wire));
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"gzip", "lz4", "zstd"})
  void incompressibleSmallNullAndEmptyValuesGoOutAsBefore(String codec) {
    try (EncryptingSerializer<byte[]> s = serializer(codec, false);
        DecryptingDeserializer<byte[]> d = deserializer(false)) {
      for (byte[] plaintext : new byte[][] {random(1024), random(100_000), new byte[0],
          "a".getBytes(StandardCharsets.UTF_8), "aaaaaaa".getBytes(StandardCharsets.UTF_8)}) {
        RecordHeaders headers = new RecordHeaders();
        byte[] wire = s.serialize(TOPIC, headers, plaintext);
        byte[] h = header(headers, Role.VALUE);
        assertEquals(WireFormat.VERSION_1, h[0], codec + " " + plaintext.length + " bytes");
        assertEquals(SealedRecord.sealedLength(plaintext.length), wire.length);
        assertArrayEquals(plaintext, d.deserialize(TOPIC, headers, wire));
      }
      RecordHeaders headers = new RecordHeaders();
      assertNull(s.serialize(TOPIC, headers, null));
      assertNull(headers.lastHeader(WireFormat.VALUE_HEADER));
      assertNull(d.deserialize(TOPIC, headers, (byte[]) null));
    }
  }

  @Test
  void noneIsTheDefaultAndLeavesRecordsAsBefore() {
    byte[] plaintext = jsonLike(5);
    configs.remove(EnvelopeConfig.COMPRESSION_TYPE);
    EncryptingSerializer<byte[]> s = new EncryptingSerializer<>(new ByteArraySerializer());
    s.configure(configs, false);
    try (s; DecryptingDeserializer<byte[]> d = deserializer(false)) {
      RecordHeaders headers = new RecordHeaders();
      byte[] wire = s.serialize(TOPIC, headers, plaintext);
      assertEquals(WireFormat.VERSION_1, header(headers, Role.VALUE)[0]);
      assertEquals(SealedRecord.sealedLength(plaintext.length), wire.length);
      assertArrayEquals(plaintext, d.deserialize(TOPIC, headers, wire));
    }
  }

  @Test
  void dekByteLimitCountsTheCompressedBytes() {
    // 20 records of ~1 KiB: 20 KiB uncompressed, about 5,000 bytes compressed.
    configs.put(EnvelopeConfig.DEK_MAX_BYTES, 10_000L);
    try (EncryptingSerializer<byte[]> s = serializer("zstd", false)) {
      Set<String> deks = new LinkedHashSet<>();
      long compressed = 0;
      for (int i = 0; i < 20; i++) {
        RecordHeaders headers = new RecordHeaders();
        byte[] wire = s.serialize(TOPIC, headers, jsonLike(100 + i));
        compressed += wire.length - 28;
        deks.add(EnvelopeHeader.parse(header(headers, Role.VALUE)).dekIdHex());
      }
      assertTrue(compressed < 10_000, "compressed bodies: " + compressed);
      assertEquals(1, deks.size(), "one DEK: the limit counts what is encrypted");
    }
  }

  @Test
  void everyBitOfAVersion3HeaderIsProtected() {
    byte[] plaintext = jsonLike(6);
    try (EncryptingSerializer<byte[]> s = serializer("lz4", false);
        DecryptingDeserializer<byte[]> d = deserializer(false)) {
      RecordHeaders headers = new RecordHeaders();
      byte[] wire = s.serialize(TOPIC, headers, plaintext);
      byte[] h = header(headers, Role.VALUE);
      assertArrayEquals(plaintext, d.deserialize(TOPIC, headers, wire));
      for (int bit = 0; bit < h.length * 8; bit++) {
        byte[] bad = h.clone();
        bad[bit / 8] ^= (byte) (1 << (bit % 8));
        RecordHeaders badHeaders = new RecordHeaders();
        badHeaders.add(WireFormat.VALUE_HEADER, bad);
        final int b = bit;
        assertThrows(EnvelopeException.class, () -> d.deserialize(TOPIC, badHeaders, wire),
            "flipped bit " + b);
      }
      // the codec byte in particular: another known codec fails authentication, 0 and unknown
      // ids fail parsing
      for (int codec = 0; codec < 256; codec++) {
        if (codec == Codecs.LZ4) {
          continue;
        }
        byte[] bad = h.clone();
        bad[3] = (byte) codec;
        RecordHeaders badHeaders = new RecordHeaders();
        badHeaders.add(WireFormat.VALUE_HEADER, bad);
        EnvelopeException e = assertThrows(EnvelopeException.class,
            () -> d.deserialize(TOPIC, badHeaders, wire));
        Reason expected = codec == 0 ? Reason.MALFORMED
            : Codecs.isKnown(codec) ? Reason.TAMPERED : Reason.UNSUPPORTED_VERSION;
        assertEquals(expected, e.reason(), "codec byte " + codec);
      }
    }
  }

  @Test
  void tamperedBodyIsRejected() {
    byte[] plaintext = jsonLike(7);
    try (EncryptingSerializer<byte[]> s = serializer("gzip", false);
        DecryptingDeserializer<byte[]> d = deserializer(false)) {
      RecordHeaders headers = new RecordHeaders();
      byte[] wire = s.serialize(TOPIC, headers, plaintext);
      for (int i = 0; i < wire.length; i++) {
        byte[] bad = wire.clone();
        bad[i] ^= 0x01;
        EnvelopeException e = assertThrows(EnvelopeException.class,
            () -> d.deserialize(TOPIC, headers, bad));
        assertEquals(Reason.TAMPERED, e.reason(), "byte " + i);
      }
      EnvelopeException e = assertThrows(EnvelopeException.class,
          () -> d.deserialize(TOPIC, headers, Arrays.copyOf(wire, wire.length - 1)));
      assertEquals(Reason.TAMPERED, e.reason());
    }
  }

  // ---- records forged with a valid key: authenticated, but their content breaks the rules ----

  private static DecryptingDeserializer<byte[]> fixedKeyDeserializer(Integer maxBytes) {
    Map<String, Object> c = new HashMap<>();
    c.put("envelope.kms.type", "fixed");
    c.put("envelope.kms.fixed.dek", HEX.formatHex(DEK));
    c.put("envelope.kms.fixed.wrapped", HEX.formatHex(WRAPPED));
    c.put("envelope.kek.id", "kek-1");
    if (maxBytes != null) {
      c.put(EnvelopeConfig.DECOMPRESSED_MAX_BYTES, maxBytes);
    }
    DecryptingDeserializer<byte[]> d = new DecryptingDeserializer<>(new ByteArrayDeserializer());
    d.configure(c, false);
    return d;
  }

  /** A header-mode record: the header goes into {@code headers}, the value is returned. */
  private static byte[] forge(byte[] header, byte[] body, Headers headers) throws Exception {
    byte[] out = new byte[SealedRecord.sealedLength(body.length)];
    long n = NONCES.incrementAndGet(); // unique per record: the JDK refuses a repeated GCM nonce
    for (int i = 11; i >= 4; i--, n >>>= 8) {
      out[i] = (byte) n;
    }
    AesGcm.seal(new SecretKeySpec(DEK, "AES"), header, out, 0, 0, 0, body, 0, body.length);
    headers.add(WireFormat.VALUE_HEADER, header);
    return out;
  }

  private static byte[] v3Header(int codec) {
    return EnvelopeHeader.create(Role.VALUE, new byte[16], TOPIC, "kek-1", null, WRAPPED, 0,
        codec).encodedUnsafe();
  }

  /** {@code u32 stated | compressed}. */
  private static byte[] body(long stated, byte[] compressed) {
    byte[] b = new byte[4 + compressed.length];
    b[0] = (byte) (stated >>> 24);
    b[1] = (byte) (stated >>> 16);
    b[2] = (byte) (stated >>> 8);
    b[3] = (byte) stated;
    System.arraycopy(compressed, 0, b, 4, compressed.length);
    return b;
  }

  private static byte[] compressed(int codec, byte[] data) {
    Codec c = Codecs.forId(codec);
    byte[] out = new byte[data.length + 64];
    int n = c.compress(data, 0, data.length, out, 0);
    assertTrue(n > 0);
    return Arrays.copyOf(out, n);
  }

  @ParameterizedTest
  @ValueSource(ints = {Codecs.GZIP, Codecs.LZ4, Codecs.ZSTD})
  void forgedRecordsThatBreakTheLengthRulesAreRejected(int codec) throws Exception {
    byte[] data = jsonLike(8);
    byte[] packed = compressed(codec, data);
    try (DecryptingDeserializer<byte[]> d = fixedKeyDeserializer(null)) {
      RecordHeaders ok = new RecordHeaders();
      byte[] good = forge(v3Header(codec), body(data.length, packed), ok);
      assertArrayEquals(data, d.deserialize(TOPIC, ok, good), "the forging itself is sound");
      for (long stated : new long[] {data.length - 1, data.length + 1, 0, data.length * 2L}) {
        RecordHeaders h = new RecordHeaders();
        byte[] wire = forge(v3Header(codec), body(stated, packed), h);
        EnvelopeException e = assertThrows(EnvelopeException.class,
            () -> d.deserialize(TOPIC, h, wire), "stated " + stated);
        assertEquals(Reason.MALFORMED, e.reason(), e.getMessage());
        assertTrue(e.getMessage().contains("'" + TOPIC + "'"), e.getMessage());
        assertFalse(containsMarker(e.getMessage().getBytes(StandardCharsets.ISO_8859_1)));
      }
      // garbage, truncated data, trailing bytes, and a body too short for its length field
      byte[] garbage = random(200);
      byte[] trailing = Arrays.copyOf(packed, packed.length + 3);
      for (byte[] b : new byte[][] {body(data.length, garbage),
          body(data.length, Arrays.copyOf(packed, packed.length / 2)),
          body(data.length, trailing), new byte[] {0, 0, 1}}) {
        RecordHeaders h = new RecordHeaders();
        byte[] wire = forge(v3Header(codec), b, h);
        EnvelopeException e = assertThrows(EnvelopeException.class,
            () -> d.deserialize(TOPIC, h, wire));
        assertEquals(Reason.MALFORMED, e.reason(), e.getMessage());
      }
    }
  }

  @Test
  void statedLengthAboveTheLimitIsRejectedWithoutAllocatingIt() throws Exception {
    byte[] data = new byte[60 << 20]; // 60 MiB of zeros: zstd makes a few KiB of it
    byte[] packed = compressed(Codecs.ZSTD, data);
    assertTrue(packed.length < 10_000, "zstd packed 60 MiB of zeros into " + packed.length);
    data = null;
    com.sun.management.ThreadMXBean mx =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long tid = Thread.currentThread().getId();
    try (DecryptingDeserializer<byte[]> d = fixedKeyDeserializer(1 << 20)) {
      // warm the path (DEK cache, cipher) with a record within the limit
      RecordHeaders small = new RecordHeaders();
      byte[] okData = jsonLike(9);
      byte[] ok = forge(v3Header(Codecs.ZSTD), body(okData.length,
          compressed(Codecs.ZSTD, okData)), small);
      assertArrayEquals(okData, d.deserialize(TOPIC, small, ok));

      for (long stated : new long[] {60L << 20, 0xFFFF_FFFFL, (1 << 20) + 1}) {
        RecordHeaders h = new RecordHeaders();
        byte[] wire = forge(v3Header(Codecs.ZSTD), body(stated, packed), h);
        long before = mx.getThreadAllocatedBytes(tid);
        EnvelopeException e = assertThrows(EnvelopeException.class,
            () -> d.deserialize(TOPIC, h, wire));
        long allocated = mx.getThreadAllocatedBytes(tid) - before;
        assertEquals(Reason.MALFORMED, e.reason());
        assertTrue(e.getMessage().contains(EnvelopeConfig.DECOMPRESSED_MAX_BYTES),
            e.getMessage());
        assertTrue(allocated < 512 * 1024, "allocated " + allocated + " bytes for stated "
            + stated);
      }
    }
    // the default limit (16 MiB) lets a 15 MiB record through and refuses 60 MiB
    try (DecryptingDeserializer<byte[]> d = fixedKeyDeserializer(null)) {
      RecordHeaders h = new RecordHeaders();
      byte[] wire = forge(v3Header(Codecs.ZSTD), body(15L << 20,
          compressed(Codecs.ZSTD, new byte[15 << 20])), h);
      assertEquals(15 << 20, d.deserialize(TOPIC, h, wire).length);
      byte[] big = forge(v3Header(Codecs.ZSTD), body(60L << 20, packed), h);
      assertEquals(Reason.MALFORMED, assertThrows(EnvelopeException.class,
          () -> d.deserialize(TOPIC, h, big)).reason());
    }
  }

  @Test
  void version3HeadersWithNoOrUnknownCodecDoNotParse() throws Exception {
    byte[] h = v3Header(Codecs.GZIP);
    assertEquals(WireFormat.VERSION_3, h[0]);
    assertEquals(Codecs.GZIP, h[3]);
    assertEquals(0, h[4] | h[5], "clear prefix length 0 is allowed in version 3");
    try (DecryptingDeserializer<byte[]> d = fixedKeyDeserializer(null)) {
      byte[] data = jsonLike(10);
      byte[] packed = compressed(Codecs.GZIP, data);
      for (int codec : new int[] {0, 4, 0x7F, 0xFF}) {
        // authenticated under the bad header itself, so only the parser can refuse it
        byte[] bad = h.clone();
        bad[3] = (byte) codec;
        RecordHeaders headers = new RecordHeaders();
        byte[] wire = forge(bad, body(data.length, packed), headers);
        EnvelopeException e = assertThrows(EnvelopeException.class,
            () -> d.deserialize(TOPIC, headers, wire));
        assertEquals(codec == 0 ? Reason.MALFORMED : Reason.UNSUPPORTED_VERSION, e.reason(),
            e.getMessage());
        assertTrue(e.getMessage().contains(codec == 0 ? "no compression" : "codec " + codec),
            e.getMessage());
      }
      // trailing bytes after the wrapped DEK
      byte[] longer = Arrays.copyOf(h, h.length + 1);
      RecordHeaders headers = new RecordHeaders();
      byte[] wire = forge(longer, body(data.length, packed), headers);
      EnvelopeException e = assertThrows(EnvelopeException.class,
          () -> d.deserialize(TOPIC, headers, wire));
      assertEquals(Reason.MALFORMED, e.reason());
      // truncated inside the codec byte
      assertThrows(RuntimeException.class, () -> EnvelopeHeader.parse(Arrays.copyOf(h, 3)));
    }
  }

  @Test
  void configIsValidated() {
    configs.put(EnvelopeConfig.COMPRESSION_TYPE, "snappy");
    EncryptingSerializer<byte[]> s = new EncryptingSerializer<>(new ByteArraySerializer());
    ConfigException e = assertThrows(ConfigException.class, () -> s.configure(configs, false));
    assertTrue(e.getMessage().contains(EnvelopeConfig.COMPRESSION_TYPE), e.getMessage());
    s.close();

    configs.put(EnvelopeConfig.COMPRESSION_TYPE, "ZSTD"); // case-insensitive like the others
    try (EncryptingSerializer<byte[]> ok = serializer("ZSTD", false)) {
      RecordHeaders headers = new RecordHeaders();
      ok.serialize(TOPIC, headers, jsonLike(11));
      assertEquals(Codecs.ZSTD, EnvelopeHeader.parse(header(headers, Role.VALUE)).codec());
    }

    Map<String, Object> c = TestConfigs.base(TestConfigs.newKmsName());
    c.put(EnvelopeConfig.DECOMPRESSED_MAX_BYTES, 0);
    DecryptingDeserializer<byte[]> d = new DecryptingDeserializer<>(new ByteArrayDeserializer());
    ConfigException e2 = assertThrows(ConfigException.class, () -> d.configure(c, false));
    assertTrue(e2.getMessage().contains(EnvelopeConfig.DECOMPRESSED_MAX_BYTES), e2.getMessage());
    d.close();
  }
}
