package io.kafkaenvelope.internal.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkaenvelope.internal.compress.Codec;
import io.kafkaenvelope.internal.compress.Codecs;
import io.kafkaenvelope.internal.crypto.AesGcm;
import io.kafkaenvelope.kms.EncryptionContext;
import io.kafkaenvelope.kms.KmsException;
import io.kafkaenvelope.kms.local.LocalKms;
import io.kafkaenvelope.serde.DecryptingDeserializer;
import io.kafkaenvelope.serde.EnvelopeException;
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
import org.junit.jupiter.api.io.TempDir;

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
    List<Map<String, String>> vectors = vectors(parse(Files.readString(DOC)));
    assertEquals(8, vectors.size(), "vectors in " + DOC);
    for (Map<String, String> v : vectors) {
      Map<String, String> computed = compute(v);
      assertEquals(computed.get("header"), v.get("header"), "header of vector " + v.get("vector"));
      assertEquals(computed.get("record-value"), v.get("record-value"),
          "record value of vector " + v.get("vector"));
      assertArrayEquals(HEX.parseHex(v.get("plaintext-hex")), decrypt(v),
          "decrypting vector " + v.get("vector"));
    }
  }

  /**
   * The refusal vectors: their bytes are the named base vector with the documented change (so
   * they differ from a valid record in exactly that), and the deserializer refuses each with the
   * documented reason.
   */
  @Test
  void documentedRefusalsAreRefusedForTheirReason() throws Exception {
    List<Map<String, String>> blocks = parse(Files.readString(DOC));
    List<Map<String, String>> refusals = refusals(blocks);
    assertEquals(9, refusals.size(), "refusal vectors in " + DOC);
    for (Map<String, String> r : refusals) {
      String name = "refusal " + r.get("refusal");
      Map<String, String> computed = computeRefusal(r, vectors(blocks));
      assertEquals(computed.get("header"), r.get("header"), "header of " + name);
      assertEquals(computed.get("record-value"), r.get("record-value"),
          "record value of " + name);
      // the reader expects the KEK its base vector was made under (consumer KEK policy)
      Map<String, String> read = new HashMap<>(r);
      read.putIfAbsent("kek-id", vectors(blocks).stream()
          .filter(v -> v.get("vector").equals(r.get("base"))).findFirst().orElseThrow()
          .get("kek-id"));
      EnvelopeException e = assertThrows(EnvelopeException.class, () -> decrypt(read), name);
      assertEquals(EnvelopeException.Reason.valueOf(r.get("expect")), e.reason(),
          name + ": " + e.getMessage());
    }
  }

  /**
   * Vector L1: the documented keyset file, context bytes and wrapped DEK are what the format
   * description gives (computed here with plain AES-GCM and the documented IV), and the local KMS
   * unwraps the documented wrapped DEK from the documented file to the documented DEK.
   */
  @Test
  void documentedLocalKmsVectorMatchesTheLocalKms(@TempDir Path dir) throws Exception {
    Map<String, String> l = parse(Files.readString(DOC)).stream()
        .filter(b -> b.containsKey("local-kms")).findFirst().orElseThrow();
    Map<String, String> c = computeLocalKms(l);
    for (String field : List.of("keyset-json", "associated-data", "wrapped-dek")) {
      assertEquals(c.get(field), l.get(field), field + " of vector L1");
    }
    String kekId = l.get("kek-id");
    Files.writeString(dir.resolve(kekId + ".json"), l.get("keyset-json"));
    LocalKms kms = new LocalKms(dir, false);
    assertArrayEquals(HEX.parseHex(l.get("dek")), kms.unwrap(kekId,
        HEX.parseHex(l.get("wrapped-dek")), EncryptionContext.forDek(kekId)));
    assertEquals(l.get("key-id"), kms.generateDataKey(kekId, EncryptionContext.forDek(kekId))
        .kekVersion(), "KEK version reported for the keyset");
    assertThrows(KmsException.class, () -> kms.unwrap(kekId, HEX.parseHex(l.get("wrapped-dek")),
        EncryptionContext.forDek("other-kek")), "the context binds the KEK id");
  }

  /**
   * Vectors D1 and D2 (format version 4), both ways: the library's context, HKDF, header and
   * AES-SIV give the documented bytes from the documented inputs, and its deserializer, whose KMS
   * answers the documented material only for the documented context, decrypts them; a reader
   * without the named scope, or below the epoch, refuses them before the KMS.
   */
  @Test
  void documentedDeterministicVectorsMatchTheImplementation() throws Exception {
    List<Map<String, String>> dets = parse(Files.readString(DOC)).stream()
        .filter(b -> b.containsKey("deterministic")).toList();
    assertEquals(2, dets.size(), "deterministic vectors in " + DOC);
    for (Map<String, String> d : dets) {
      String name = "vector " + d.get("deterministic");
      DeterministicHeader.ScopeKind kind = DeterministicHeader.ScopeKind.valueOf(
          d.get("scope-kind").toUpperCase(java.util.Locale.ROOT));
      long epoch = Long.parseLong(d.get("epoch"));
      io.kafkaenvelope.internal.deterministic.DeterministicScope scope =
          new io.kafkaenvelope.internal.deterministic.DeterministicScope(kind, d.get("scope"));
      assertEquals(d.get("context"), HEX.formatHex(io.kafkaenvelope.internal.deterministic.SivKeys
          .context(d.get("kek-id"), scope, epoch).canonicalBytes()), "context of " + name);
      byte[] sivKey = io.kafkaenvelope.internal.deterministic.SivKeys.sivKey(
          HEX.parseHex(d.get("key-material")));
      assertEquals(d.get("siv-key"), HEX.formatHex(sivKey), "siv-key of " + name);
      DeterministicHeader header = DeterministicHeader.create(
          Role.valueOf(d.get("role").toUpperCase(java.util.Locale.ROOT)), kind, epoch,
          d.get("scope"), d.get("kek-id"));
      assertEquals(d.get("header"), HEX.formatHex(header.encodedUnsafe()), "header of " + name);
      byte[] value = header.frame(new com.google.crypto.tink.subtle.AesSiv(sivKey)
          .encryptDeterministically(HEX.parseHex(d.get("plaintext-hex")),
              header.encodedUnsafe()));
      assertEquals(d.get("record-value"), HEX.formatHex(value), "record value of " + name);

      Map<String, Object> configs = new HashMap<>();
      configs.put("envelope.kms.type", "fixed");
      configs.put("envelope.kms.fixed.derived", d.get("key-material"));
      configs.put("envelope.kms.fixed.context", d.get("context"));
      configs.put("envelope.kek.id", d.get("kek-id"));
      configs.put("envelope.deterministic.epoch", d.get("epoch"));
      String topic = kind == DeterministicHeader.ScopeKind.TOPIC ? d.get("scope") : "any-topic";
      if (kind == DeterministicHeader.ScopeKind.NAMED) {
        configs.put("envelope.deterministic.scope", d.get("scope"));
      }
      boolean isKey = d.get("role").equals("key");
      try (DecryptingDeserializer<byte[]> r = new DecryptingDeserializer<>(
          new ByteArrayDeserializer())) {
        r.configure(configs, isKey);
        assertArrayEquals(HEX.parseHex(d.get("plaintext-hex")),
            r.deserialize(topic, HEX.parseHex(d.get("record-value"))), "decrypting " + name);
        byte[] flipped = HEX.parseHex(d.get("record-value"));
        flipped[flipped.length - 1] ^= 1;
        assertEquals(EnvelopeException.Reason.TAMPERED, assertThrows(EnvelopeException.class,
            () -> r.deserialize(topic, flipped)).reason(), name + " flipped");
      }
      if (epoch > 0) {
        configs.put("envelope.deterministic.epoch", Long.toString(epoch - 1));
        configs.put("envelope.kms.fixed.derived", "00"); // never asked: refused before the KMS
        try (DecryptingDeserializer<byte[]> r = new DecryptingDeserializer<>(
            new ByteArrayDeserializer())) {
          r.configure(configs, isKey);
          assertEquals(EnvelopeException.Reason.KEK_NOT_ALLOWED, assertThrows(
              EnvelopeException.class, () -> r.deserialize(topic,
                  HEX.parseHex(d.get("record-value")))).reason(), name + " below its epoch");
        }
      }
    }
  }

  private static Map<String, String> computeLocalKms(Map<String, String> l) throws Exception {
    byte[] kek = HEX.parseHex(l.get("kek"));
    long keyId = Long.parseLong(l.get("key-id"));
    byte[] proto = new byte[2 + kek.length];
    proto[0] = 0x1a;
    proto[1] = (byte) kek.length;
    System.arraycopy(kek, 0, proto, 2, kek.length);
    String json = "{\"primaryKeyId\":" + keyId + ",\"key\":[{\"keyData\":{\"typeUrl\":"
        + "\"type.googleapis.com/google.crypto.tink.AesGcmKey\",\"value\":\""
        + java.util.Base64.getEncoder().encodeToString(proto)
        + "\",\"keyMaterialType\":\"SYMMETRIC\"},\"status\":\"ENABLED\",\"keyId\":" + keyId
        + ",\"outputPrefixType\":\"TINK\"}]}";
    byte[] ad = EncryptionContext.forDek(l.get("kek-id")).canonicalBytes();
    byte[] iv = HEX.parseHex(l.get("iv"));
    javax.crypto.Cipher gcm = javax.crypto.Cipher.getInstance("AES/GCM/NoPadding");
    gcm.init(javax.crypto.Cipher.ENCRYPT_MODE, new SecretKeySpec(kek, "AES"),
        new javax.crypto.spec.GCMParameterSpec(128, iv));
    gcm.updateAAD(ad);
    byte[] sealed = gcm.doFinal(HEX.parseHex(l.get("dek")));
    java.nio.ByteBuffer wrapped = java.nio.ByteBuffer.allocate(5 + iv.length + sealed.length);
    wrapped.put((byte) 1).putInt((int) keyId).put(iv).put(sealed);
    Map<String, String> m = new HashMap<>();
    m.put("keyset-json", json);
    m.put("associated-data", HEX.formatHex(ad));
    m.put("wrapped-dek", HEX.formatHex(wrapped.array()));
    return m;
  }

  private static List<Map<String, String>> vectors(List<Map<String, String>> blocks) {
    return blocks.stream().filter(b -> b.containsKey("vector")).toList();
  }

  private static List<Map<String, String>> refusals(List<Map<String, String>> blocks) {
    return blocks.stream().filter(b -> b.containsKey("refusal")).toList();
  }

  /** A refusal's bytes: its base vector's, changed as its {@code change} field says. */
  private static Map<String, String> computeRefusal(Map<String, String> r,
      List<Map<String, String>> vectors) throws Exception {
    Map<String, String> base = vectors.stream()
        .filter(v -> v.get("vector").equals(r.get("base"))).findFirst().orElseThrow();
    for (String field : List.of("dek", "wrapped-dek")) {
      assertEquals(base.get(field), r.get(field), field + " of refusal " + r.get("refusal"));
    }
    byte[] header = HEX.parseHex(base.get("header"));
    byte[] value = HEX.parseHex(base.get("record-value"));
    String change = r.get("change");
    if (change.equals("none")) {
      // the same bytes, read as another role, from another topic or under a lower limit
    } else if (change.equals("flip-last-value-byte")) {
      value[value.length - 1] ^= 0x01;
    } else if (change.equals("drop-last-header-byte")) {
      header = java.util.Arrays.copyOf(header, header.length - 1);
    } else if (change.equals("version-04")) {
      header[0] = 0x04;
    } else if (change.equals("inline-frame")) {
      byte[] frame = new byte[InlineFrame.prefixLength(header.length) + value.length];
      int at = InlineFrame.writePrefix(frame, header);
      System.arraycopy(value, 0, frame, at, value.length);
      value = frame;
      header = null;
    } else if (change.startsWith("state-length-")) {
      Map<String, String> restated = new HashMap<>(base);
      restated.put("stated-length", change.substring("state-length-".length()));
      value = HEX.parseHex(compute(restated).get("record-value"));
    } else {
      throw new AssertionError("unknown change " + change);
    }
    Map<String, String> m = new HashMap<>();
    m.put("header", header == null ? "(none: inline)" : HEX.formatHex(header));
    m.put("record-value", HEX.formatHex(value));
    return m;
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
    // laid out by SealedRecord, the class that owns the layout, so the vectors check it too
    byte[] nonce = HEX.parseHex(v.get("nonce"));
    int bodyLength = plaintext.length - clearPrefix;
    byte[] out = inline ? SealedRecord.layOutInline(h, nonce, bodyLength)
        : SealedRecord.layOut(plaintext, clearPrefix, bodyLength);
    int nonceOffset = inline ? SealedRecord.inlineNonceOffset(h.length)
        : SealedRecord.nonceOffset(clearPrefix);
    System.arraycopy(nonce, 0, out, nonceOffset, nonce.length);
    AesGcm.seal(dek, h, out, 0, clearPrefix, nonceOffset, plaintext, clearPrefix, bodyLength);
    Map<String, String> m = new HashMap<>();
    m.put("header", inline ? "(none: inline)" : HEX.formatHex(h));
    m.put("record-value", HEX.formatHex(out));
    return m;
  }

  /**
   * A version 3 vector (header mode): behind the clear prefix (if any), the sealed body is
   * {@code u32 length of the rest of the plaintext | compressed-hex}. The compressed bytes are an
   * input, because compressors need not agree byte for byte; the library must read them, and for
   * gzip its own output must begin with the header the document names.
   */
  private static Map<String, String> computeCompressed(Map<String, String> v, byte[] h, int codec,
      byte[] plaintext) throws Exception {
    int p = Integer.parseInt(v.getOrDefault("clear-prefix-length", "0"));
    int n = plaintext.length - p;
    byte[] compressed = HEX.parseHex(v.get("compressed-hex"));
    Codec c = Codecs.forId(codec);
    byte[] back = new byte[n];
    assertEquals(n, c.decompress(compressed, 0, compressed.length, back, 0, n));
    assertArrayEquals(java.util.Arrays.copyOfRange(plaintext, p, plaintext.length), back,
        "compressed-hex of vector " + v.get("vector"));
    if (v.containsKey("gzip-header")) {
      byte[] ours = new byte[n + 64];
      assertTrue(c.compress(plaintext, p, n, ours, 0) > 0);
      assertEquals(v.get("gzip-header"), HEX.formatHex(ours, 0, 10), "our gzip member header");
    }
    long stated = Long.parseLong(v.getOrDefault("stated-length", Integer.toString(n)));
    byte[] body = new byte[4 + compressed.length];
    body[0] = (byte) (stated >>> 24);
    body[1] = (byte) (stated >>> 16);
    body[2] = (byte) (stated >>> 8);
    body[3] = (byte) stated;
    System.arraycopy(compressed, 0, body, 4, compressed.length);
    byte[] out = new byte[p + SealedRecord.sealedLength(body.length)];
    System.arraycopy(plaintext, 0, out, 0, p);
    System.arraycopy(HEX.parseHex(v.get("nonce")), 0, out, p, 12);
    AesGcm.seal(new SecretKeySpec(HEX.parseHex(v.get("dek")), "AES"), h, out, 0, p, p, body, 0,
        body.length);
    Map<String, String> m = new HashMap<>();
    m.put("header", HEX.formatHex(h));
    m.put("record-value", HEX.formatHex(out));
    return m;
  }

  /**
   * Decrypts a vector, or a refusal as its {@code read-role}, {@code read-topic},
   * {@code header-name} and {@code decompressed-max-bytes} say (by default: the vector's role and
   * topic, the role's header).
   */
  private static byte[] decrypt(Map<String, String> v) {
    Map<String, Object> configs = new HashMap<>();
    configs.put("envelope.kms.type", "fixed");
    configs.put("envelope.kms.fixed.dek", v.get("dek"));
    configs.put("envelope.kms.fixed.wrapped", v.get("wrapped-dek"));
    configs.put("envelope.kek.id", v.get("kek-id"));
    if (v.containsKey("decompressed-max-bytes")) {
      configs.put("envelope.decompressed.max.bytes", v.get("decompressed-max-bytes"));
    }
    boolean isKey = v.getOrDefault("read-role", v.get("role")).equals("key");
    String topic = v.getOrDefault("read-topic", v.get("topic"));
    try (DecryptingDeserializer<byte[]> d = new DecryptingDeserializer<>(
        new ByteArrayDeserializer())) {
      d.configure(configs, isKey);
      byte[] value = HEX.parseHex(v.get("record-value"));
      if (v.get("header").startsWith("(none")) {
        return d.deserialize(topic, value);
      }
      RecordHeaders headers = new RecordHeaders();
      headers.add(v.getOrDefault("header-name",
          isKey ? WireFormat.KEY_HEADER : WireFormat.VALUE_HEADER), HEX.parseHex(v.get("header")));
      return d.deserialize(topic, headers, value);
    }
  }

  /**
   * Reads the {@code vector:} and {@code refusal:} blocks: one "name: value" per line inside a
   * fenced block.
   */
  static List<Map<String, String>> parse(String doc) {
    List<Map<String, String>> out = new ArrayList<>();
    Map<String, String> current = null;
    for (String line : doc.split("\n")) {
      String l = line.strip();
      if (l.startsWith("vector:") || l.startsWith("refusal:") || l.startsWith("local-kms:")
          || l.startsWith("deterministic:") || l.startsWith("field-vector:")) {
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
    List<Map<String, String>> blocks = parse(Files.readString(DOC));
    for (Map<String, String> v : vectors(blocks)) {
      Map<String, String> c = compute(v);
      System.out.println("vector " + v.get("vector") + "\nheader: " + c.get("header")
          + "\nrecord-value: " + c.get("record-value") + "\n");
    }
    for (Map<String, String> l : blocks) {
      if (l.containsKey("local-kms")) {
        Map<String, String> c = computeLocalKms(l);
        System.out.println("local-kms " + l.get("local-kms") + "\nkeyset-json: "
            + c.get("keyset-json") + "\nassociated-data: " + c.get("associated-data")
            + "\nwrapped-dek: " + c.get("wrapped-dek") + "\n");
      }
    }
    for (Map<String, String> r : refusals(blocks)) {
      Map<String, String> c = computeRefusal(r, vectors(blocks));
      System.out.println("refusal " + r.get("refusal") + "\nheader: " + c.get("header")
          + "\nrecord-value: " + c.get("record-value") + "\n");
    }
  }
}
