package io.kafkaenvelope.internal.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.crypto.tink.subtle.AesSiv;
import io.kafkaenvelope.internal.crypto.AesGcm;
import io.kafkaenvelope.internal.deterministic.SivKeys;
import io.kafkaenvelope.internal.field.FieldFormat;
import io.kafkaenvelope.internal.field.FieldOpener;
import io.kafkaenvelope.internal.field.FieldSealer;
import io.kafkaenvelope.serde.DecryptingDeserializer;
import io.kafkaenvelope.serde.EnvelopeException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.crypto.spec.SecretKeySpec;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Deserializer;
import org.junit.jupiter.api.Test;

/**
 * The field vector of docs/wire-format.md ("Field vector"), both ways: the wire classes produce
 * its header and ciphertexts byte for byte from its inputs, and the deserializer, through the
 * field engine, decrypts them (and refuses them changed or read from another topic).
 */
class FieldVectorsTest {

  private static final HexFormat HEX = HexFormat.of();
  private static final Path DOC = Path.of("..", "docs", "wire-format.md");

  private static Map<String, String> vector() throws Exception {
    List<Map<String, String>> blocks = WireFormatVectorsTest.parse(Files.readString(DOC))
        .stream().filter(b -> b.containsKey("field-vector")).toList();
    assertEquals(1, blocks.size(), "field vectors in " + DOC);
    return blocks.get(0);
  }

  private static byte[] hex(Map<String, String> v, String name) {
    return HEX.parseHex(v.get(name));
  }

  private static byte[] concat(byte[]... parts) {
    int n = 0;
    for (byte[] p : parts) {
      n += p.length;
    }
    byte[] out = new byte[n];
    int at = 0;
    for (byte[] p : parts) {
      System.arraycopy(p, 0, out, at, p.length);
      at += p.length;
    }
    return out;
  }

  @Test
  void theLibraryProducesTheVectorFromItsInputs() throws Exception {
    Map<String, String> v = vector();
    List<String> paths = List.of(v.get("paths").split(","));
    byte[] binding = FieldHeader.binding(Role.VALUE, Integer.parseInt(v.get("index")),
        hex(v, "dek-id"), hex(v, "record-nonce"), v.get("topic"), v.get("kek-id"), null,
        hex(v, "wrapped-dek"));
    assertEquals(v.get("binding"), HEX.formatHex(binding));
    byte[] header = FieldHeader.unsealed(binding, Integer.parseInt(v.get("count")), paths);
    SecretKeySpec dek = new SecretKeySpec(hex(v, "dek"), "AES");
    byte[] pt = hex(v, "ssn-plaintext-hex");
    // the lengths list: the random ssn's encoding length, the deterministic email's mark
    byte[] lengths = ByteBuffer.allocate(8).putInt(pt.length).putInt(-1).array();
    assertEquals(v.get("lengths"), HEX.formatHex(lengths));
    // one AES-GCM call: plaintext = the random fields in path order, AD = header ‖ lengths
    byte[] sealed = Arrays.copyOf(hex(v, "record-nonce"), 12 + pt.length + 16);
    AesGcm.seal(dek, concat(Arrays.copyOf(header, header.length - 16), lengths), sealed, 0, 0,
        0, pt, 0, pt.length);
    System.arraycopy(sealed, 12 + pt.length, header, header.length - 16, 16);
    assertEquals(v.get("header"), HEX.formatHex(header));
    FieldHeader parsed = FieldHeader.parse(header);
    assertEquals(paths, parsed.paths());
    assertEquals(binding.length, parsed.bindingLength());
    assertEquals("kek-1", parsed.kekId());

    // a header differing only in record nonce and tag reuses the parsed parts, and no other
    byte[] next = header.clone();
    next[FieldHeader.recordNonceOffset()] ^= 1;
    next[next.length - 1] ^= 1;
    FieldHeader reused = FieldHeader.parse(next, parsed);
    assertSame(parsed.paths(), reused.paths());
    assertArrayEquals(next, reused.encodedUnsafe());
    assertEquals(parsed.dekIdHex(), reused.dekIdHex());
    for (int i : new int[] {0, 3, 4, FieldHeader.recordNonceOffset() - 1,
        FieldHeader.recordNonceOffset() + 12, header.length - 17}) {
      byte[] other = header.clone();
      other[i] ^= 1;
      FieldHeader fresh;
      try {
        fresh = FieldHeader.parse(other, parsed);
      } catch (RuntimeException refused) {
        continue; // refused as parse(other) refuses it
      }
      assertNotSame(parsed.paths(), fresh.paths(), "byte " + i + " parsed anew");
    }

    byte[] ssn = new byte[2 + pt.length];
    ssn[0] = WireFormat.VERSION_5;
    System.arraycopy(sealed, 12, ssn, 2, pt.length);
    assertEquals(v.get("ssn-ciphertext"), HEX.formatHex(ssn));

    assertEquals(v.get("siv-key"), HEX.formatHex(SivKeys.sivKey(hex(v, "key-material"))));
    DeterministicHeader h = DeterministicHeader.create(Role.VALUE,
        DeterministicHeader.ScopeKind.TOPIC, Long.parseLong(v.get("email-epoch")),
        v.get("topic"), v.get("kek-id"));
    assertEquals(v.get("email-header"), HEX.formatHex(h.encodedUnsafe()));
    byte[] ad = concat(h.encodedUnsafe(), new byte[] {WireFormat.VERSION_5},
        paths.get(1).getBytes(StandardCharsets.UTF_8));
    byte[] email = h.frame(new AesSiv(hex(v, "siv-key"))
        .encryptDeterministically(hex(v, "email-plaintext-hex"), ad));
    assertEquals(v.get("email-ciphertext"), HEX.formatHex(email));
  }

  /** A format whose records are maps from concrete path to field value. */
  private static final FieldFormat PATHS = new FieldFormat() {
    @Override
    public String name() {
      return "paths";
    }

    @Override
    public Object seal(String topic, Object record, FieldSealer sealer) {
      throw new UnsupportedOperationException();
    }

    @Override
    @SuppressWarnings("unchecked")
    public Object open(String topic, Object decoded, FieldOpener opener) {
      Map<String, byte[]> m = (Map<String, byte[]>) decoded;
      Map<String, byte[]> ciphertexts = new LinkedHashMap<>();
      for (String p : opener.sealedPaths()) {
        ciphertexts.put(p, m.get(p));
      }
      m.putAll(opener.open(ciphertexts));
      return m;
    }
  };

  private static Map<String, byte[]> read(Map<String, String> v, String topic, byte[] ssn,
      byte[] email) {
    Map<String, Object> c = new HashMap<>();
    c.put("envelope.kms.type", "fixed");
    c.put("envelope.kms.fixed.dek", v.get("dek"));
    c.put("envelope.kms.fixed.wrapped", v.get("wrapped-dek"));
    c.put("envelope.kms.fixed.derived", v.get("key-material"));
    c.put("envelope.kek.id", v.get("kek-id"));
    Deserializer<Object> inner = (t, data) -> {
      Map<String, byte[]> m = new LinkedHashMap<>();
      m.put("customer.ssn", ssn);
      m.put("customer.email", email);
      return m;
    };
    try (DecryptingDeserializer<Object> d = new DecryptingDeserializer<>(inner, PATHS) {}) {
      d.configure(c, false);
      Headers headers = new RecordHeaders().add(Role.VALUE.fieldsHeaderName(), hex(v, "header"));
      @SuppressWarnings("unchecked")
      Map<String, byte[]> out = (Map<String, byte[]>) d.deserialize(topic, headers,
          new byte[] {1});
      return out;
    }
  }

  @Test
  void theDeserializerDecryptsTheVectorAndRefusesItChanged() throws Exception {
    Map<String, String> v = vector();
    byte[] ssn = hex(v, "ssn-ciphertext");
    byte[] email = hex(v, "email-ciphertext");
    Map<String, byte[]> out = read(v, v.get("topic"), ssn, email);
    assertArrayEquals(hex(v, "ssn-plaintext-hex"), out.get("customer.ssn"));
    assertArrayEquals(hex(v, "email-plaintext-hex"), out.get("customer.email"));
    assertEquals(EnvelopeException.Reason.TOPIC_MISMATCH, assertThrows(EnvelopeException.class,
        () -> read(v, "payments", ssn, email)).reason());
    byte[] ssn2 = ssn.clone();
    ssn2[ssn2.length - 1] ^= 1;
    assertEquals(EnvelopeException.Reason.TAMPERED, assertThrows(EnvelopeException.class,
        () -> read(v, v.get("topic"), ssn2, email)).reason());
    byte[] email2 = email.clone();
    email2[email2.length - 1] ^= 1;
    assertEquals(EnvelopeException.Reason.TAMPERED, assertThrows(EnvelopeException.class,
        () -> read(v, v.get("topic"), ssn, email2)).reason());
    // the two fields swapped: each is bound to its own path
    assertThrows(EnvelopeException.class, () -> read(v, v.get("topic"), email, ssn));
  }
}
