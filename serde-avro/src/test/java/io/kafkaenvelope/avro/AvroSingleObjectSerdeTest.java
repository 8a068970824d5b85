package io.kafkaenvelope.avro;

import static io.kafkaenvelope.avro.Fixtures.MARKER;
import static io.kafkaenvelope.avro.Fixtures.V1;
import static io.kafkaenvelope.avro.Fixtures.V2;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkaenvelope.avro.test.Order;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The registry-less single-object serde on its own (no encryption, no broker). */
class AvroSingleObjectSerdeTest {

  private final AvroSingleObjectSerializer<Object> serializer = new AvroSingleObjectSerializer<>();

  private static <T> AvroSingleObjectDeserializer<T> deserializer(Map<String, Object> configs) {
    AvroSingleObjectDeserializer<T> d = new AvroSingleObjectDeserializer<>();
    d.configure(configs, false);
    return d;
  }

  @Test
  void writesAvroSingleObjectEncodingThatAvroItselfReads() throws Exception {
    byte[] bytes = serializer.serialize("t", Fixtures.v1("o-1", 1250));
    assertEquals((byte) 0xC3, bytes[0]);
    assertEquals((byte) 0x01, bytes[1]);
    long fp = SchemaNormalization.parsingFingerprint64(V1);
    for (int i = 0; i < 8; i++) {
      assertEquals((byte) (fp >>> (8 * i)), bytes[2 + i], "little-endian fingerprint byte " + i);
    }
    // independent check: Avro's own decoder, set up by hand
    GenericRecord back = new BinaryMessageDecoder<GenericRecord>(GenericData.get(), V1)
        .decode(bytes.clone(), null);
    assertEquals("o-1", back.get("id").toString());
  }

  @Test
  void genericRoundTripWithTheWriterSchemaAsReader() {
    AvroSingleObjectDeserializer<GenericRecord> d = deserializer(
        Map.of(AvroSerdeConfig.WRITER_SCHEMAS,
            "classpath:avro/order-v1.avsc,classpath:avro/order-v2.avsc"));
    GenericRecord r1 = d.deserialize("t", serializer.serialize("t", Fixtures.v1("a", 1)));
    GenericRecord r2 = d.deserialize("t", serializer.serialize("t", Fixtures.v2("b", 2, "USD")));
    assertEquals(V1, r1.getSchema());
    assertEquals(V2, r2.getSchema());
    assertEquals("USD", r2.get("currency").toString());
    assertEquals(MARKER + " note a", r1.get("note").toString());
  }

  @Test
  void evolutionV1RecordsReadWithAV2ReaderGetTheDefault() {
    AvroSingleObjectDeserializer<GenericRecord> d = deserializer(Map.of(
        AvroSerdeConfig.READER_SCHEMA, "classpath:avro/order-v2.avsc",
        AvroSerdeConfig.WRITER_SCHEMAS, List.of("classpath:avro/order-v1.avsc")));
    GenericRecord r = d.deserialize("t", serializer.serialize("t", Fixtures.v1("a", 7)));
    assertEquals(V2, r.getSchema());
    assertEquals("EUR", r.get("currency").toString());
    assertEquals(7L, r.get("amountCents"));
    // a v2 record reads directly
    assertEquals("CHF", d.deserialize("t", serializer.serialize("t", Fixtures.v2("b", 1, "CHF")))
        .get("currency").toString());
  }

  @Test
  void specificRecordsBothWays() {
    AvroSingleObjectDeserializer<Order> d = deserializer(Map.of(
        AvroSerdeConfig.SPECIFIC_CLASS, Order.class.getName(),
        AvroSerdeConfig.WRITER_SCHEMAS, "classpath:avro/order-v1.avsc"));
    Order o = d.deserialize("t", serializer.serialize("t", new Order("s-1", 99, MARKER, "GBP")));
    assertEquals("s-1", o.id());
    assertEquals("GBP", o.currency());
    // an old generic v1 record becomes the specific v2 class, currency defaulted
    Order old = d.deserialize("t", serializer.serialize("t", Fixtures.v1("s-0", 5)));
    assertEquals("EUR", old.currency());
    assertEquals(5, old.amountCents());
  }

  @Test
  void schemaFromAFilePath(@TempDir Path dir) throws Exception {
    Path avsc = dir.resolve("order.avsc");
    Files.writeString(avsc, V1.toString(true));
    AvroSingleObjectDeserializer<GenericRecord> d = deserializer(
        Map.of(AvroSerdeConfig.READER_SCHEMA, avsc.toString()));
    assertEquals("f", d.deserialize("t", serializer.serialize("t", Fixtures.v1("f", 1)))
        .get("id").toString());
  }

  @Test
  void unknownWriterSchemaIsRefusedNamingItsFingerprint() {
    AvroSingleObjectDeserializer<GenericRecord> d = deserializer(
        Map.of(AvroSerdeConfig.READER_SCHEMA, "classpath:avro/order-v1.avsc"));
    byte[] v2 = serializer.serialize("t", Fixtures.v2("x", 1, "EUR"));
    SerializationException e = assertThrows(SerializationException.class,
        () -> d.deserialize("t", v2));
    assertTrue(e.getMessage().contains(HexFormat.of().formatHex(v2, 2, 10)), e.getMessage());
    assertTrue(e.getMessage().contains(AvroSerdeConfig.WRITER_SCHEMAS));
    assertFalse(e.getMessage().contains(MARKER));
    // same without a reader schema
    AvroSingleObjectDeserializer<GenericRecord> w = deserializer(
        Map.of(AvroSerdeConfig.WRITER_SCHEMAS, "classpath:avro/order-v1.avsc"));
    assertThrows(SerializationException.class, () -> w.deserialize("t", v2));
  }

  @Test
  void bytesThatAreNotSingleObjectEncodingAreRefused() {
    AvroSingleObjectDeserializer<GenericRecord> d = deserializer(Map.of(
        AvroSerdeConfig.READER_SCHEMA, "classpath:avro/order-v1.avsc"));
    AvroSingleObjectDeserializer<GenericRecord> w = deserializer(Map.of(
        AvroSerdeConfig.WRITER_SCHEMAS, "classpath:avro/order-v1.avsc"));
    byte[] good = serializer.serialize("t", Fixtures.v1("x", 1));
    byte[][] bad = {
        new byte[0], {(byte) 0xC3}, "{\"id\":1}".getBytes(),
        java.util.Arrays.copyOf(good, 12), // truncated body
        java.util.Arrays.copyOf(good, 10)};
    for (byte[] b : bad) {
      assertThrows(SerializationException.class, () -> d.deserialize("t", b));
      assertThrows(SerializationException.class, () -> w.deserialize("t", b));
    }
  }

  @Test
  void nullStaysNullAndNonAvroValuesAreRefused() {
    assertNull(serializer.serialize("t", null));
    assertNull(deserializer(Map.of(AvroSerdeConfig.READER_SCHEMA, "classpath:avro/order-v1.avsc"))
        .deserialize("t", null));
    SerializationException e = assertThrows(SerializationException.class,
        () -> serializer.serialize("t", MARKER));
    assertFalse(e.getMessage().contains(MARKER));
  }

  @Test
  void configurationErrors() {
    assertThrows(ConfigException.class, () -> deserializer(new HashMap<>()));
    assertThrows(ConfigException.class, () -> deserializer(
        Map.of(AvroSerdeConfig.READER_SCHEMA, "classpath:avro/missing.avsc")));
    assertThrows(ConfigException.class, () -> deserializer(
        Map.of(AvroSerdeConfig.WRITER_SCHEMAS, "/no/such/file.avsc")));
    assertThrows(ConfigException.class, () -> deserializer(
        Map.of(AvroSerdeConfig.READER_SCHEMA, "classpath:logback-test.xml")));
  }

  @Test
  void keyRoleTakesEnvelopeKeyOverrides() {
    Map<String, Object> c = new HashMap<>();
    c.put(AvroSerdeConfig.READER_SCHEMA, "classpath:avro/order-v1.avsc");
    c.put("envelope.key.avro.reader.schema", "classpath:avro/order-v2.avsc");
    c.put(AvroSerdeConfig.WRITER_SCHEMAS, "classpath:avro/order-v1.avsc");
    AvroSingleObjectDeserializer<GenericRecord> key = new AvroSingleObjectDeserializer<>();
    key.configure(c, true);
    assertEquals(V2,
        key.deserialize("t", serializer.serialize("t", Fixtures.v1("k", 1))).getSchema());
  }

  @Test
  void constructorWithSchemasIgnoresConfigure() {
    AvroSingleObjectDeserializer<GenericRecord> d =
        new AvroSingleObjectDeserializer<>(GenericData.get(), V2, V1);
    d.configure(Map.of(), false);
    byte[] v1 = serializer.serialize("t", Fixtures.v1("c", 3));
    assertEquals("EUR", d.deserialize("t", v1).get("currency").toString());
    assertArrayEquals(v1, serializer.serialize("t", Fixtures.v1("c", 3)), "deterministic encoding");
  }

  @Test
  void sharedInstancesAreThreadSafe() throws Exception {
    AvroSingleObjectDeserializer<GenericRecord> d = deserializer(Map.of(
        AvroSerdeConfig.READER_SCHEMA, "classpath:avro/order-v2.avsc",
        AvroSerdeConfig.WRITER_SCHEMAS, "classpath:avro/order-v1.avsc"));
    java.util.concurrent.ExecutorService pool =
        java.util.concurrent.Executors.newFixedThreadPool(8);
    try {
      List<java.util.concurrent.Future<Integer>> results = new java.util.ArrayList<>();
      for (int t = 0; t < 8; t++) {
        int thread = t;
        results.add(pool.submit(() -> {
          int ok = 0;
          for (int i = 0; i < 500; i++) {
            String id = thread + "-" + i;
            Object rec = i % 2 == 0 ? Fixtures.v1(id, i) : Fixtures.v2(id, i, "USD");
            GenericRecord back = d.deserialize("t", serializer.serialize("t", rec));
            if (back.get("id").toString().equals(id) && (long) back.get("amountCents") == i
                && back.get("currency").toString().equals(i % 2 == 0 ? "EUR" : "USD")) {
              ok++;
            }
          }
          return ok;
        }));
      }
      for (java.util.concurrent.Future<Integer> f : results) {
        assertEquals(500, f.get());
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
