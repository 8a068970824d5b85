package io.kafkaenvelope.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkaenvelope.compress.Codec;
import io.kafkaenvelope.compress.Codecs;
import io.kafkaenvelope.crypto.AesGcm;
import io.kafkaenvelope.serde.DecryptingDeserializer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import javax.crypto.spec.SecretKeySpec;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;

/**
 * The test vectors in docs/wire-format.md are checked both ways: this library produces exactly the
 * documented bytes from the documented inputs, and its deserializer decrypts the documented bytes.
 * Run {@link #main} to print the vectors after a deliberate format change.
 */
class WireFormatVectorsTest {

  private static final Path DOC = Path.of("..", "docs", "wire-format.md");
  private static final HexFormat HEX = HexFormat.of();

  @Test
  void documentedVectorsMatchTheImplementation() throws Exception {
    List<Map<String, String>> vectors = parse(Files.readString(DOC));
    assertEquals(5, vectors.size(), "vectors in " + DOC);
    for (Map<String, String> v : vectors) {
      Map<String, String> computed = compute(v);
      assertEquals(computed.get("header"), v.get("header"), "header of vector " + v.get("vector"));
      assertEquals(computed.get("record-value"), v.get("record-value"),
          "record value of vector " + v.get("vector"));
      assertArrayEquals(HEX.parseHex(v.get("plaintext-hex")), decrypt(v),
          "decrypting vector " + v.get("vector"));
    }
  }

  private static Map<String, String> compute(Map<String, String> v) throws Exception {
    Role role = Role.valueOf(v.get("role").toUpperCase(java.util.Locale.ROOT));
    String kekVersion = v.get("kek-version").equals("(none)") ? null : v.get("kek-version");
    int clearPrefix = Integer.parseInt(v.getOrDefault("clear-prefix-length", "0"));
    int codec = Codecs.idOf(v.getOrDefault("compression", "none"));
    EnvelopeHeader header = EnvelopeHeader.create(role, HEX.parseHex(v.get("dek-id")),
        v.get("topic"), v.get("kek-id"), kekVersion, HEX.parseHex(v.get("wrapped-dek")),
        clearPrefix, codec);
    assertEquals(clearPrefix, EnvelopeHeader.parse(header.encodedUnsafe()).clearPrefixLength());
    assertEquals(codec, EnvelopeHeader.parse(header.encodedUnsafe()).codec());
    byte[] h = header.encodedUnsafe();
    byte[] plaintext = HEX.parseHex(v.get("plaintext-hex"));
    if (codec != 0) {
      return computeCompressed(v, h, codec, plaintext);
    }
    boolean inline = v.get("mode").equals("inline");
    SecretKeySpec dek = new SecretKeySpec(HEX.parseHex(v.get("dek")), "AES");
    byte[] out = new byte[(inline ? InlineFrame.prefixLength(h.length) : 0)
        + clearPrefix + SealedRecord.sealedLength(plaintext.length - clearPrefix)];
    int nonceOffset = inline ? InlineFrame.writePrefix(out, h) : clearPrefix;
    System.arraycopy(HEX.parseHex(v.get("nonce")), 0, out, nonceOffset, 12);
    if (clearPrefix > 0) {
      System.arraycopy(plaintext, 0, out, 0, clearPrefix);
      AesGcm.seal(dek, h, out, 0, clearPrefix, clearPrefix, plaintext, clearPrefix,
          plaintext.length - clearPrefix);
    } else {
      AesGcm.seal(dek, h, out, 0, 0, nonceOffset, plaintext, 0, plaintext.length);
    }
    Map<String, String> m = new HashMap<>();
    m.put("header", inline ? "(none: inline)" : HEX.formatHex(h));
    m.put("record-value", HEX.formatHex(out));
    return m;
  }

  /**
   * A version 3 vector (header mode, no clear prefix): the sealed body is
   * {@code u32 plaintext length | compressed-hex}. The compressed bytes are an input, because
   * compressors need not agree byte for byte; the library must read them, and its own output must
   * begin with the gzip header the document names.
   */
  private static Map<String, String> computeCompressed(Map<String, String> v, byte[] h, int codec,
      byte[] plaintext) throws Exception {
    byte[] compressed = HEX.parseHex(v.get("compressed-hex"));
    Codec c = Codecs.forId(codec);
    byte[] back = new byte[plaintext.length];
    assertEquals(plaintext.length, c.decompress(compressed, 0, compressed.length, back, 0,
        back.length));
    assertArrayEquals(plaintext, back, "compressed-hex of vector " + v.get("vector"));
    byte[] ours = new byte[plaintext.length + 64];
    assertTrue(c.compress(plaintext, 0, plaintext.length, ours, 0) > 0);
    assertEquals(v.get("gzip-header"), HEX.formatHex(ours, 0, 10), "our gzip member header");
    byte[] body = new byte[4 + compressed.length];
    body[0] = (byte) (plaintext.length >>> 24);
    body[1] = (byte) (plaintext.length >>> 16);
    body[2] = (byte) (plaintext.length >>> 8);
    body[3] = (byte) plaintext.length;
    System.arraycopy(compressed, 0, body, 4, compressed.length);
    byte[] out = new byte[SealedRecord.sealedLength(body.length)];
    System.arraycopy(HEX.parseHex(v.get("nonce")), 0, out, 0, 12);
    AesGcm.seal(new SecretKeySpec(HEX.parseHex(v.get("dek")), "AES"), h, out, 0, 0, 0, body, 0,
        body.length);
    Map<String, String> m = new HashMap<>();
    m.put("header", HEX.formatHex(h));
    m.put("record-value", HEX.formatHex(out));
    return m;
  }

  private static byte[] decrypt(Map<String, String> v) {
    Map<String, Object> configs = new HashMap<>();
    configs.put("envelope.kms.type", "fixed");
    configs.put("envelope.kms.fixed.dek", v.get("dek"));
    configs.put("envelope.kms.fixed.wrapped", v.get("wrapped-dek"));
    configs.put("envelope.kek.id", v.get("kek-id"));
    boolean isKey = v.get("role").equals("key");
    try (DecryptingDeserializer<byte[]> d = new DecryptingDeserializer<>(new ByteArrayDeserializer())) {
      d.configure(configs, isKey);
      byte[] value = HEX.parseHex(v.get("record-value"));
      if (v.get("mode").equals("inline")) {
        return d.deserialize(v.get("topic"), value);
      }
      RecordHeaders headers = new RecordHeaders();
      headers.add(isKey ? WireFormat.KEY_HEADER : WireFormat.VALUE_HEADER,
          HEX.parseHex(v.get("header")));
      return d.deserialize(v.get("topic"), headers, value);
    }
  }

  /** Reads the {@code vector:} blocks: one "name: value" per line inside a fenced block. */
  static List<Map<String, String>> parse(String doc) {
    List<Map<String, String>> out = new ArrayList<>();
    Map<String, String> current = null;
    for (String line : doc.split("\n")) {
      String l = line.strip();
      if (l.startsWith("vector:")) {
        current = new HashMap<>();
        out.add(current);
      } else if (l.startsWith("```")) {
        current = null;
        continue;
      }
      if (current != null) {
        int colon = l.indexOf(':');
        assertTrue(colon > 0, "bad vector line: " + l);
        current.put(l.substring(0, colon).strip(), l.substring(colon + 1).strip());
      }
    }
    return out;
  }

  /** Prints the vectors' computed fields for the documented inputs. */
  public static void main(String[] args) throws Exception {
    for (Map<String, String> v : parse(Files.readString(DOC))) {
      Map<String, String> c = compute(v);
      System.out.println("vector " + v.get("vector") + "\nheader: " + c.get("header")
          + "\nrecord-value: " + c.get("record-value") + "\n");
    }
  }
}
