package io.kafkaenvelope.avro.internal;

import static io.kafkaenvelope.avro.PaymentFixtures.SECRET;
import static io.kafkaenvelope.avro.PaymentFixtures.V1;
import static io.kafkaenvelope.avro.PaymentFixtures.V2;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkaenvelope.avro.PaymentFixtures;
import io.kafkaenvelope.avro.field.Payment;
import io.kafkaenvelope.internal.field.FieldOpener.Unreadable;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

/** The Avro walk, derived schema and reader modes against a stand-in for serde-core's keys. */
class AvroFieldFormatTest {

  private static final Set<String> PATTERNS = Set.of(PaymentFixtures.FIELDS.split(","));
  private static final Set<String> TAGS = Set.of("PII");

  private static AvroFieldFormat format(ReaderTarget target) {
    AvroFieldFormat f = new AvroFieldFormat((c, k) -> target);
    f.configure(Map.of(), false, PATTERNS);
    return f;
  }

  private static Schema derived(Schema writer) {
    return SchemaDerivation.derive(writer, new FieldSelection(PATTERNS, TAGS)).derived();
  }

  private static FakeFieldKeys.Sealer sealer() {
    return new FakeFieldKeys.Sealer(PATTERNS, TAGS);
  }

  private static FakeFieldKeys.Opener opener(FakeFieldKeys.Sealer s, Set<String> unreadable,
      Unreadable mode) {
    return new FakeFieldKeys.Opener(List.copyOf(s.sealed), unreadable, mode);
  }

  @Test
  void derivedSchemaKeepsNamesDocsAliasesAndMarksEachEncryptedFieldWithItsSchema() {
    Schema d = derived(V1);
    assertEquals(d, derived(V1), "deterministic");
    assertEquals(d.toString(), derived(V1).toString());
    assertEquals(V1.getFullName(), d.getFullName());
    Schema.Field ssn = d.getField("ssn");
    assertEquals(Schema.Type.BYTES, ssn.schema().getType());
    assertEquals(V1.getField("ssn").schema().toString(), ssn.schema().getProp(Markers.SEALED));
    assertEquals("annotated", ssn.doc());
    assertEquals(Set.of("socialSecurityNumber"), ssn.aliases());
    assertEquals(Boolean.TRUE, ssn.getObjectProp(Markers.ENCRYPT));
    assertEquals(List.of("PII"), d.getField("email").getObjectProp(Markers.CONFLUENT_TAGS));
    assertEquals(Schema.Type.BYTES, d.getField("email").schema().getType(), "tagged PII");
    assertSame(V1.getField("id").schema(), d.getField("id").schema(), "clear fields unchanged");
    assertEquals(V1.getField("note"), d.getField("note"));
    // a nullable field's null stays null: the union keeps null, in the same place
    Schema nick = d.getField("nickname").schema();
    assertEquals(Schema.Type.NULL, nick.getTypes().get(0).getType());
    assertEquals(Schema.Type.BYTES, nick.getTypes().get(1).getType());
    assertEquals(V1.getField("nickname").schema().toString(),
        nick.getTypes().get(1).getProp(Markers.SEALED));
    assertEquals(org.apache.avro.JsonProperties.NULL_VALUE, d.getField("nickname").defaultVal());
    // nested through a nullable union, in array elements and map values
    Schema billing = d.getField("billing").schema().getTypes().get(1);
    assertEquals(Schema.Type.STRING, billing.getField("city").schema().getType());
    assertEquals(Schema.Type.BYTES, billing.getField("zip").schema().getType());
    Schema line = d.getField("lines").schema().getElementType();
    assertEquals(Schema.Type.STRING, line.getField("sku").schema().getType());
    assertEquals(Schema.Type.BYTES, line.getField("address").schema().getType());
    assertEquals(Schema.Type.BYTES, d.getField("attrs").schema().getValueType().getType());
    // a whole record, an enum, a fixed and logical types become bytes too
    for (String f : List.of("address", "colour", "code", "amount", "paidAt", "token", "day")) {
      assertEquals(Schema.Type.BYTES, d.getField(f).schema().getType(), f);
      assertNull(d.getField(f).schema().getLogicalType(), f);
      assertEquals(V1.getField(f).schema(), new Schema.Parser().parse(
          d.getField(f).schema().getProp(Markers.SEALED)), f);
    }
    // a default that cannot stay: empty bytes, the original one recorded
    assertEquals(0, ((byte[]) d.getField("tier").defaultVal()).length);
    assertEquals("standard", d.getField("tier").getObjectProp(Markers.DEFAULT));
  }

  @Test
  void theWriterSchemaIsRebuiltFromTheDerivedSchemasJsonAlone() {
    for (Schema w : List.of(V1, V2)) {
      Schema fromJson = new Schema.Parser().parse(derived(w).toString());
      Schema rebuilt = SchemaRebuild.rebuild(fromJson, Set.of()).original();
      assertEquals(new Schema.Parser().parse(w.toString()),
          new Schema.Parser().parse(rebuilt.toString()));
      assertEquals(w.toString(true), rebuilt.toString(true));
    }
  }

  @Test
  void derivedSchemasEvolveByAvroRulesAndReadersResolveTheRebuiltRecord() {
    // v2 drops the encrypted vip and adds the encrypted risk (default 7): as compatible as v1/v2
    assertEquals(SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE,
        SchemaCompatibility.checkReaderWriterCompatibility(V2, V1).getType());
    assertEquals(SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE,
        SchemaCompatibility.checkReaderWriterCompatibility(derived(V2), derived(V1)).getType(),
        "a registry checking the derived schemas accepts the same change");
    FakeFieldKeys.Sealer s = sealer();
    Object wire = format(ReaderTarget.WRITER).seal("t", PaymentFixtures.generic(2), s);
    AvroFieldFormat reader = new AvroFieldFormat((c, k) -> new ReaderTarget(V2, null));
    reader.configure(Map.of(), false, Set.of()); // the consumer's own envelope.fields: none
    GenericRecord read = (GenericRecord) reader.open("t", wire,
        opener(s, Set.of(), Unreadable.FAIL));
    assertEquals(V2, read.getSchema());
    assertEquals(7, read.get("risk"), "the added encrypted field's default");
    assertEquals(PaymentFixtures.generic(2).get("ssn").toString(), read.get("ssn").toString());
  }

  @Test
  void genericRecordsRoundTripExactlyAndTheWireRecordHoldsNoPlaintext() {
    AvroFieldFormat f = format(ReaderTarget.WRITER);
    for (int i = 0; i < 4; i++) {
      GenericRecord original = PaymentFixtures.generic(i);
      String before = original.toString();
      FakeFieldKeys.Sealer s = sealer();
      GenericRecord wire = (GenericRecord) f.seal("t", original, s);
      assertEquals(before, original.toString(), "the caller's record is not modified");
      assertEquals(derived(V1), wire.getSchema());
      assertFalse(wire.toString().contains(SECRET), wire.getSchema().getName());
      assertEquals(original.get("id"), wire.get("id"));
      assertEquals(original.get("note"), wire.get("note"));
      assertEquals("Lyon", i % 2 == 0 ? ((GenericRecord) wire.get("billing")).get("city")
          .toString() : "Lyon");
      assertTrue(s.sealed.contains("lines[1].address"), s.sealed.toString());
      assertTrue(s.sealed.contains("attrs[\"colour \\\"deep\\\"\"]"), s.sealed.toString());
      assertEquals(i % 2 == 0, s.sealed.contains("nickname"), "a null stays null, unsealed");
      FakeFieldKeys.Opener o = opener(s, Set.of(), Unreadable.FAIL);
      Object read = f.open("t", wire, o);
      assertEquals(original, read);
      assertEquals(V1, ((GenericRecord) read).getSchema());
      assertEquals(s.sealed, o.opened);
    }
  }

  @Test
  void specificRecordsRoundTripIntoTheConfiguredClass() {
    AvroFieldFormat f = format(new ReaderTarget(Payment.getClassSchema(), Payment.class));
    for (int i = 0; i < 3; i++) {
      Payment p = PaymentFixtures.payment(i);
      FakeFieldKeys.Sealer s = sealer();
      Object wire = f.seal("t", p, s);
      assertInstanceOf(GenericData.Record.class, wire);
      Object read = f.open("t", wire, opener(s, Set.of(), Unreadable.FAIL));
      assertInstanceOf(Payment.class, read);
      assertEquals(p, read);
    }
  }

  @Test
  void aConfiguredPatternTheSchemaLacksFailsAtConfigureOrAtTheFirstRecord() {
    AvroFieldFormat known = new AvroFieldFormat(
        (c, k) -> new ReaderTarget(Payment.getClassSchema(), Payment.class));
    ConfigException e = assertThrows(ConfigException.class,
        () -> known.configure(Map.of(), false, Set.of("ssn", "lines[].adress")));
    assertTrue(e.getMessage().contains("envelope.fields"), e.getMessage());
    assertTrue(e.getMessage().contains("lines[].adress"), e.getMessage());
    AvroFieldFormat unknown = format(ReaderTarget.WRITER);
    FakeFieldKeys.Sealer s = new FakeFieldKeys.Sealer(Set.of("address.zip"), Set.of());
    IllegalStateException first = assertThrows(IllegalStateException.class,
        () -> unknown.seal("t", PaymentFixtures.generic(0), s));
    assertTrue(first.getMessage().contains("envelope.fields names [address.zip]"),
        first.getMessage());
    assertTrue(s.sealed.isEmpty(), "nothing sealed");
    assertFalse(first.getMessage().contains(SECRET));
  }

  @Test
  void aCiphertextMovedOrUnlistedOrMissingIsRefused() {
    AvroFieldFormat f = format(ReaderTarget.WRITER);
    FakeFieldKeys.Sealer s = sealer();
    GenericRecord wire = (GenericRecord) f.seal("t", PaymentFixtures.generic(0), s);
    // moved into another field: the path it is bound to differs
    GenericRecord moved = new GenericData.Record((GenericData.Record) wire, true);
    moved.put("email", wire.get("ssn"));
    assertThrows(SecurityException.class,
        () -> f.open("t", moved, opener(s, Set.of(), Unreadable.FAIL)));
    // a listed path holding null
    GenericRecord missing = new GenericData.Record((GenericData.Record) wire, true);
    missing.put("nickname", null);
    IllegalArgumentException m = assertThrows(IllegalArgumentException.class,
        () -> f.open("t", missing, opener(s, Set.of(), Unreadable.FAIL)));
    assertTrue(m.getMessage().contains("[nickname]"), m.getMessage());
    // a ciphertext the headers do not list
    List<String> fewer = s.sealed.stream().filter(p -> !p.equals("ssn")).toList();
    IllegalArgumentException u = assertThrows(IllegalArgumentException.class,
        () -> f.open("t", wire, new FakeFieldKeys.Opener(fewer, Set.of(), Unreadable.FAIL)));
    assertTrue(u.getMessage().contains("not listed"), u.getMessage());
    // a decrypted value that is not one value of the field's schema
    GenericRecord garbage = new GenericData.Record((GenericData.Record) wire, true);
    garbage.put("age", ByteBuffer.wrap(new FakeFieldKeys.Sealer(PATTERNS, TAGS)
        .seal(s.select("age", false, Set.of()), "age", new byte[] {2, 2, 2})));
    IllegalArgumentException g = assertThrows(IllegalArgumentException.class,
        () -> f.open("t", garbage, opener(s, Set.of(), Unreadable.FAIL)));
    assertTrue(g.getMessage().contains("age"), g.getMessage());
  }

  @Test
  void unreadableFieldsAreNullOrKeptAsCiphertextOrRefused() {
    AvroFieldFormat f = format(new ReaderTarget(Payment.getClassSchema(), Payment.class));
    GenericRecord original = PaymentFixtures.generic(0);
    FakeFieldKeys.Sealer s = sealer();
    GenericRecord wire = (GenericRecord) f.seal("t", original, s);
    // null: allowed for nullable fields; the result is still the configured class
    Payment nulled = (Payment) f.open("t", wire,
        opener(s, Set.of("nickname", "billing"), Unreadable.NULL));
    assertNull(nulled.getNickname());
    assertEquals(PaymentFixtures.payment(0).getSsn(), nulled.getSsn());
    IllegalArgumentException notNullable = assertThrows(IllegalArgumentException.class,
        () -> f.open("t", wire, opener(s, Set.of("ssn"), Unreadable.NULL)));
    assertTrue(notNullable.getMessage().contains("envelope.fields.unreadable"),
        notNullable.getMessage());
    // keep: a GenericRecord of a schema in which the unreadable fields stay marked bytes
    GenericRecord kept = (GenericRecord) f.open("t", wire,
        opener(s, Set.of("ssn", "lines[].address"), Unreadable.KEEP));
    assertEquals(wire.get("ssn"), kept.get("ssn"));
    assertEquals(Schema.Type.BYTES, kept.getSchema().getField("ssn").schema().getType());
    assertEquals(original.get("email").toString(), kept.get("email").toString());
    assertEquals(original.get("age"), kept.get("age"));
    GenericRecord line = (GenericRecord) ((List<?>) kept.get("lines")).get(1);
    assertInstanceOf(ByteBuffer.class, line.get("address"));
    assertEquals("sku-2", line.get("sku").toString());
    assertNotEquals(V1, kept.getSchema());
    // fail: the opener throws
    assertThrows(SecurityException.class,
        () -> f.open("t", wire, opener(s, Set.of("ssn"), Unreadable.FAIL)));
  }

  @Test
  void aNamedTypeEncryptedDifferentlyAtTwoPlacesIsRefusedClearly() {
    Schema two = new Schema.Parser().parse("{\"type\":\"record\",\"name\":\"R\",\"fields\":["
        + "{\"name\":\"a\",\"type\":{\"type\":\"record\",\"name\":\"A\",\"fields\":["
        + "{\"name\":\"x\",\"type\":\"string\"}]}},{\"name\":\"b\",\"type\":\"A\"}]}");
    SchemaDerivation.Unsupported e = assertThrows(SchemaDerivation.Unsupported.class,
        () -> SchemaDerivation.derive(two, new FieldSelection(Set.of("a.x"), Set.of())));
    assertTrue(e.getMessage().contains("record type A"), e.getMessage());
    Schema both = SchemaDerivation.derive(two, new FieldSelection(Set.of("a.x", "b.x"),
        Set.of())).derived();
    assertSame(both.getField("a").schema(), both.getField("b").schema());
    assertEquals(both, new Schema.Parser().parse(both.toString()));
  }

  @Test
  void patternsAreCheckedThroughUnionsArraysAndMaps() {
    for (String p : List.of("ssn", "billing.zip", "lines[]", "lines[].address", "attrs[]",
        "address.city")) {
      assertTrue(PatternCheck.exists(V1, p), p);
    }
    for (String p : List.of("zip", "billing.street", "lines.address", "attrs[][]", "ssn[]",
        "address.city.x")) {
      assertFalse(PatternCheck.exists(V1, p), p);
    }
    assertEquals(List.of("nope"), PatternCheck.missing(V1, Arrays.asList("ssn", "nope")));
  }

  @Test
  void wholeElementsAndMapValuesAreSealedOneByOneAndTheirNullsStayNull() {
    Schema s = new Schema.Parser().parse("{\"type\":\"record\",\"name\":\"E\",\"fields\":["
        + "{\"name\":\"tags\",\"type\":{\"type\":\"array\",\"items\":\"string\"}},"
        + "{\"name\":\"m\",\"type\":[\"null\",{\"type\":\"map\",\"values\":"
        + "[\"null\",\"long\"]}],\"default\":null},"
        + "{\"name\":\"grid\",\"type\":{\"type\":\"array\",\"items\":"
        + "{\"type\":\"array\",\"items\":\"int\"}}}]}");
    Set<String> patterns = Set.of("tags[]", "m[]", "grid[][]");
    AvroFieldFormat f = new AvroFieldFormat((c, k) -> ReaderTarget.WRITER);
    f.configure(Map.of(), false, patterns);
    GenericRecord r = new GenericData.Record(s);
    r.put("tags", List.of("a", SECRET));
    Map<String, Object> m = new java.util.LinkedHashMap<>();
    m.put("x", 5L);
    m.put("none", null);
    r.put("m", m);
    r.put("grid", List.of(List.of(1, 2), List.of(3)));
    FakeFieldKeys.Sealer sealer = new FakeFieldKeys.Sealer(patterns, Set.of());
    GenericRecord wire = (GenericRecord) f.seal("t", r, sealer);
    assertEquals(List.of("tags[0]", "tags[1]", "m[\"x\"]", "grid[0][0]", "grid[0][1]",
        "grid[1][0]"), sealer.sealed, "a null map value is not sealed");
    assertNull(((Map<?, ?>) wire.get("m")).get("none"));
    assertFalse(wire.toString().contains(SECRET));
    GenericRecord read = (GenericRecord) f.open("t", wire,
        new FakeFieldKeys.Opener(List.copyOf(sealer.sealed), Set.of(), Unreadable.FAIL));
    assertEquals(s, read.getSchema());
    assertEquals(r.toString(), read.toString());
    assertEquals(List.of(List.of(1, 2), List.of(3)), read.get("grid"));
  }
}
