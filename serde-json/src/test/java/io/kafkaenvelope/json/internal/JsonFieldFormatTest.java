package io.kafkaenvelope.json.internal;

import static io.kafkaenvelope.json.internal.Shapes.MARK;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kafkaenvelope.internal.field.FieldOpener.Unreadable;
import io.kafkaenvelope.internal.field.FieldPaths;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

/** The JSON field format against a stand-in engine ({@link FakeFields}). */
class JsonFieldFormatTest {

  private static final ObjectMapper PLAIN = JsonMapper.builder().build();
  private static final Set<String> ALL = Set.of("id", "qty", "big", "price", "ratio", "amount",
      "huge", "paid", "missing", "customer", "lines[].address", "attrs[]", "scores",
      "contacts[].ssn", "codes");

  private static JsonFieldFormat format(Class<?> type, Set<String> patterns) {
    JsonFieldFormat f = new JsonFieldFormat();
    f.configure(type, false, null, patterns);
    return f;
  }

  /** What the inner serializer writes and the wire holds. */
  private static byte[] write(Object tree) throws Exception {
    return PLAIN.writeValueAsBytes(tree);
  }

  @Test
  void pojoWithEveryValueTypeRoundTripsExactlyAndNoPlaintextIsWritten() throws Exception {
    JsonFieldFormat w = format(null, ALL);
    FakeFields.Sealer sealer = new FakeFields.Sealer(ALL, Set.of());
    Shapes.Order original = Shapes.order();
    byte[] wire = write(w.seal("t", original, sealer));
    assertFalse(new String(wire, StandardCharsets.UTF_8).contains(MARK), "plaintext on the wire");
    assertTrue(sealer.sealedPaths.containsAll(List.of("customer", "lines[0].address",
        "lines[1].address", "attrs[\"colour\"]", "attrs[\"we\\\"ird\\u000akey\"]",
        "contacts[\"boss\"].ssn", "missing")), sealer.sealedPaths.toString());
    JsonNode stored = PLAIN.readTree(wire);
    assertEquals("A", stored.at("/lines/0/sku").textValue(), "clear fields stay");
    assertEquals(2, stored.at("/lines/1/qty").intValue());
    assertEquals("b@x", stored.at("/contacts/boss/email").textValue());

    JsonFieldFormat r = format(Shapes.Order.class, Set.of());
    FakeFields.Opener opener = new FakeFields.Opener(sealer.sealedPaths);
    Object back = r.open("t", r.readTree("t", wire), opener);
    assertEquals(original, back);
    assertEquals(Set.copyOf(sealer.sealedPaths), opener.opened);
  }

  @Test
  void bigDecimalKeepsItsScaleAndLongsAbove2Pow53StayExact() throws Exception {
    record Money(BigDecimal a, BigDecimal b, long l, double d) {}
    Set<String> p = Set.of("a", "b", "l", "d");
    Money m = new Money(new BigDecimal("1.50"), new BigDecimal("1E+3"), Long.MAX_VALUE, 1e-7);
    FakeFields.Sealer sealer = new FakeFields.Sealer(p, Set.of());
    byte[] wire = write(format(null, p).seal("t", m, sealer));
    JsonFieldFormat r = format(Money.class, Set.of());
    assertEquals(m, r.open("t", r.readTree("t", wire), new FakeFields.Opener(sealer.sealedPaths)));
  }

  @Test
  void jsonNodeWithEveryValueTypeRoundTripsToWhatTheClearJsonReadsAs() throws Exception {
    String json = "{\"s\":\"" + MARK + "\",\"i\":1,\"l\":9007199254740993,"
        + "\"d\":0.30000000000000004,\"dec\":1.50,\"big\":123456789012345678901234567890,"
        + "\"t\":true,\"n\":null,"
        + "\"o\":{\"z\":\"" + MARK + "\",\"a\":[1,{\"b\":null}]},\"arr\":[\"" + MARK + "\",2],"
        + "\"lines\":[{\"address\":\"" + MARK + "\",\"sku\":\"A\"},{\"sku\":\"B\"}],"
        + "\"attrs\":{\"k1\":\"" + MARK + "\",\"k2\":{\"deep\":\"" + MARK + "\"}},\"clear\":\"c\"}";
    JsonNode original = PLAIN.readTree(json);
    JsonNode copy = original.deepCopy();
    Set<String> p = Set.of("s", "i", "l", "d", "dec", "big", "t", "n", "o", "arr",
        "lines[].address", "attrs[]");
    FakeFields.Sealer sealer = new FakeFields.Sealer(p, Set.of());
    JsonFieldFormat f = format(null, p);
    byte[] wire = write(f.seal("t", original, sealer));
    assertEquals(copy, original, "the caller's tree is not changed");
    assertFalse(new String(wire, StandardCharsets.UTF_8).contains(MARK));
    assertFalse(sealer.sealedPaths.contains("lines[1].address"), "absent stays absent");
    assertEquals("c", PLAIN.readTree(wire).get("clear").textValue());
    JsonNode back = (JsonNode) f.open("t", f.readTree("t", wire),
        new FakeFields.Opener(sealer.sealedPaths));
    assertEquals(original, back);
  }

  @Test
  void everySealedFieldIsABase64StringOfItsCanonicalJson() throws Exception {
    JsonNode rec = PLAIN.readTree("{\"o\":{\"b\":1.0,\"a\":[true,null]},\"x\":1}");
    FakeFields.Sealer sealer = new FakeFields.Sealer(Set.of("o"), Set.of());
    JsonNode sealed = (JsonNode) format(null, Set.of("o")).seal("t", rec, sealer);
    byte[] ct = Base64.getDecoder().decode(sealed.get("o").textValue());
    byte[] opened = new FakeFields.Opener(List.of("o")).open(Map.of("o", ct)).get("o");
    assertEquals("{\"a\":[true,null],\"b\":1.0}", new String(opened, StandardCharsets.UTF_8));
    assertEquals(1, sealed.get("x").intValue());
  }

  @Test
  void canonicalFormSortsKeysAndKeepsNumberText() throws Exception {
    JsonNode a = PLAIN.readTree("{\"b\":1,\"a\":{\"y\":2,\"x\":\"\\u00e9\\n\"}}");
    JsonNode b = PLAIN.readTree("{\"a\":{\"x\":\"\\u00e9\\n\",\"y\":2},\"b\":1}");
    assertEquals(new String(CanonicalJson.encode(a), StandardCharsets.UTF_8),
        "{\"a\":{\"x\":\"\u00e9\\n\",\"y\":2},\"b\":1}");
    assertEquals(List.of(CanonicalJson.encode(a)).get(0).length, CanonicalJson.encode(b).length);
    assertTrue(java.util.Arrays.equals(CanonicalJson.encode(a), CanonicalJson.encode(b)));
    ObjectMapper exact = JsonFieldFormat.Settings.of(null, false, null).mapper();
    assertEquals("1.50", new String(CanonicalJson.encode(
        exact.valueToTree(new BigDecimal("1.50"))), StandardCharsets.UTF_8));
    assertNotEquals(new String(CanonicalJson.encode(exact.valueToTree(new BigDecimal("1.5")))),
        new String(CanonicalJson.encode(exact.valueToTree(new BigDecimal("1.50")))));
  }

  @Test
  void jsonSchemaKeywordAndConfluentTagsSelectFields() throws Exception {
    JsonNode schema = PLAIN.readTree("""
        {"type":"object","properties":{
          "id":{"type":"string"},
          "ssn":{"type":"string","kafka-envelope.encrypt":true},
          "email":{"type":"string","confluent:tags":["PII"]},
          "note":{"type":"string","confluent:tags":["INTERNAL"]},
          "card":{"$ref":"#/$defs/Card"},
          "lines":{"type":"array","items":{"type":"object","properties":{
             "address":{"oneOf":[{"type":"null"},
               {"type":"string","kafka-envelope.encrypt":["PII"]}]}}}}},
         "$defs":{"Card":{"type":"object","properties":{"number":{"type":"string",
           "confluent:tags":["PCI"]}}}}}""");
    JsonFieldFormat f = new JsonFieldFormat();
    f.configure(null, false, schema, Set.of("id"));
    JsonNode rec = PLAIN.readTree("{\"id\":\"i\",\"ssn\":\"s\",\"email\":\"e\",\"note\":\"n\","
        + "\"card\":{\"number\":\"4111\"},\"lines\":[{\"address\":\"a\"},{\"address\":null}]}");
    FakeFields.Sealer sealer = new FakeFields.Sealer(Set.of("id"), Set.of("PII", "PCI"));
    f.seal("t", rec, sealer);
    assertEquals(List.of("id", "ssn", "email", "card.number", "lines[0].address",
        "lines[1].address").stream().sorted().toList(),
        sealer.sealedPaths.stream().sorted().toList());
    assertEquals(Set.of("INTERNAL"), sealer.tagsSeen.get("note"));
    assertEquals(Set.of("PII"), sealer.tagsSeen.get("lines[].address"));
    assertEquals(Boolean.FALSE, sealer.selectCalls.get("note"));
    assertFalse(sealer.selectCalls.containsKey("lines"), "only candidate paths are asked");
  }

  @Test
  void configuredPatternsThatCannotExistFailConfigure() throws Exception {
    ConfigException e = assertThrows(ConfigException.class,
        () -> format(Shapes.Order.class, Set.of("customer.sn")));
    assertTrue(e.getMessage().contains("envelope.fields"), e.getMessage());
    assertTrue(e.getMessage().contains("customer.sn"), e.getMessage());
    assertThrows(ConfigException.class, () -> format(Shapes.Order.class, Set.of("id[]")));
    assertThrows(ConfigException.class, () -> format(Shapes.Order.class, Set.of("lines.x")));
    assertThrows(ConfigException.class, () -> format(null, Set.of("a..b")));
    assertThrows(ConfigException.class, () -> format(null, Set.of("attrs[].x", "attrs.y")));
    format(Shapes.Order.class, Set.of("lines[].address", "attrs[]", "contacts[].email",
        "codes[]", "customer.age"));
    JsonNode schema = PLAIN.readTree("{\"properties\":{\"a\":{\"properties\":{\"b\":{}}}}}");
    JsonFieldFormat f = new JsonFieldFormat();
    f.configure(null, false, schema, Set.of("a.b"));
    assertThrows(ConfigException.class, () -> f.configure(null, false, schema, Set.of("a.c")));
  }

  @Test
  void aPojoOfAnotherClassWithoutTheFieldIsRefusedAtSeal() {
    record Other(String id) {}
    JsonFieldFormat f = format(null, Set.of("customer.ssn"));
    assertThrows(IllegalArgumentException.class, () -> f.seal("t", new Other("x"),
        new FakeFields.Sealer(Set.of("customer.ssn"), Set.of())));
  }

  @Test
  void unreadableFieldsBecomeNullOrStayCiphertextAsConfigured() throws Exception {
    Set<String> p = Set.of("customer.ssn", "customer.age", "lines[].address");
    FakeFields.Sealer sealer = new FakeFields.Sealer(p, Set.of());
    byte[] wire = write(format(null, p).seal("t", Shapes.order(), sealer));
    JsonFieldFormat r = format(Shapes.Order.class, Set.of());
    Shapes.Order asNull = (Shapes.Order) r.open("t", r.readTree("t", wire), new FakeFields.Opener(
        sealer.sealedPaths, Set.of("customer.ssn", "customer.age"), Unreadable.NULL));
    assertEquals(null, asNull.customer().ssn());
    assertEquals(null, asNull.customer().age());
    assertEquals(Shapes.order().customer().email(), asNull.customer().email());
    assertEquals(Shapes.order().lines(), asNull.lines());

    Shapes.Order kept = (Shapes.Order) r.open("t", r.readTree("t", wire), new FakeFields.Opener(
        sealer.sealedPaths, Set.of("customer.ssn"), Unreadable.KEEP));
    assertEquals(PLAIN.readTree(wire).at("/customer/ssn").textValue(), kept.customer().ssn());

    SerializationException e = assertThrows(SerializationException.class, () -> r.open("t",
        r.readTree("t", wire), new FakeFields.Opener(sealer.sealedPaths, Set.of("customer.age"),
            Unreadable.KEEP)));
    assertTrue(e.getMessage().contains("customer.age"), e.getMessage());
    assertTrue(e.getMessage().contains("envelope.fields.unreadable=keep"), e.getMessage());
    assertFalse(e.getMessage().contains(PLAIN.readTree(wire).at("/customer/age").textValue()),
        "the ciphertext is not quoted");
  }

  @Test
  void nullForAPrimitiveFieldIsRefusedNamingTheSetting() throws Exception {
    FakeFields.Sealer sealer = new FakeFields.Sealer(Set.of("qty"), Set.of());
    byte[] wire = write(format(null, Set.of("qty")).seal("t", Shapes.order(), sealer));
    JsonFieldFormat r = format(Shapes.Order.class, Set.of());
    SerializationException e = assertThrows(SerializationException.class, () -> r.open("t",
        r.readTree("t", wire), new FakeFields.Opener(sealer.sealedPaths, Set.of("qty"),
            Unreadable.NULL)));
    assertTrue(e.getMessage().contains("envelope.fields.unreadable"), e.getMessage());
    JsonFieldFormat tree = format(null, Set.of());
    JsonNode n = (JsonNode) tree.open("t", tree.readTree("t", wire), new FakeFields.Opener(
        sealer.sealedPaths, Set.of("qty"), Unreadable.NULL));
    assertTrue(n.get("qty").isNull(), "a tree reader gets JSON null");
  }

  @Test
  void aListedPathThatIsMissingOrNotACiphertextIsRefused() throws Exception {
    JsonFieldFormat f = format(null, Set.of());
    ObjectNode rec = (ObjectNode) PLAIN.readTree("{\"a\":\"not base64!\",\"n\":1,\"o\":{}}");
    for (String path : List.of("a", "n", "o", "missing", "o.x", "a[0]", "x[\"k\"]", "bad..")) {
      SerializationException e = assertThrows(SerializationException.class,
          () -> f.open("t", rec.deepCopy(), new FakeFields.Opener(List.of(path))), path);
      assertTrue(e.getMessage().contains("malformed"), e.getMessage());
    }
  }

  @Test
  void aCiphertextMovedToAnotherFieldIsOpenedUnderTheNewPathAndFails() throws Exception {
    JsonNode rec = PLAIN.readTree("{\"a\":\"x\",\"b\":\"y\"}");
    FakeFields.Sealer sealer = new FakeFields.Sealer(Set.of("a", "b"), Set.of());
    JsonFieldFormat f = format(null, Set.of("a", "b"));
    ObjectNode sealed = (ObjectNode) f.seal("t", rec, sealer);
    sealed.set("b", sealed.get("a"));
    assertThrows(IllegalStateException.class,
        () -> f.open("t", sealed, new FakeFields.Opener(sealer.sealedPaths)));
  }

  @Test
  void pathsWriteAndParseBothWays() {
    String p = FieldPath.entry(FieldPath.element(FieldPath.child("", "lines"), 2), "k\"\\\u0001é");
    assertEquals("lines[2][\"k\\\"\\\\\\u0001é\"]", p);
    FieldPath parsed = FieldPath.parse(p);
    assertEquals("lines[][]", parsed.pattern());
    assertEquals(FieldPaths.patternOf(p), parsed.pattern(), "agrees with serde-core");
    assertEquals("k\"\\\u0001é", parsed.steps().get(2).name());
    assertEquals(2, parsed.steps().get(1).index());
    assertThrows(IllegalArgumentException.class, () -> FieldPath.parsePattern("a[1]"));
    assertThrows(IllegalArgumentException.class, () -> FieldPath.parse("a[01]"));
    assertThrows(IllegalArgumentException.class, () -> FieldPath.parse(".a"));
    assertThrows(IllegalArgumentException.class, () -> FieldPath.parse("a."));
    assertThrows(IllegalArgumentException.class, () -> FieldPath.parse("a[\"x]"));
  }

  @Test
  void theFieldVectorsPlaintextsAreThisFormatsCanonicalJson() throws Exception {
    String doc = java.nio.file.Files.readString(java.nio.file.Path.of("..", "docs",
        "wire-format.md"));
    String f1 = doc.substring(doc.indexOf("field-vector: F1"));
    f1 = f1.substring(0, f1.indexOf("```"));
    int checked = 0;
    for (String line : f1.split("\n")) {
      if (line.matches("(ssn|email)-plaintext-hex: [0-9a-f]+")) {
        byte[] pt = java.util.HexFormat.of().parseHex(line.substring(line.indexOf(' ') + 1));
        assertTrue(java.util.Arrays.equals(pt, CanonicalJson.encode(PLAIN.readTree(pt))), line);
        checked++;
      }
    }
    assertEquals(2, checked, "vector F1's two field plaintexts");
  }
}
