package io.kafkaenvelope.connect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkaenvelope.testing.ApicurioRegistryExtension;
import io.kafkaenvelope.testing.EnvelopeFixtures;
import io.kafkaenvelope.testing.TestClients;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Apicurio's Avro converter (a real schema-registry converter from Maven Central) as the inner
 * converter, against test-support's wire-compatible fake Apicurio registry: its settings reach it
 * through the {@code envelope.inner.converter.} prefix, and with {@code
 * envelope.clear.prefix=schema-id-4} the registry framing stays readable while the body is
 * encrypted.
 */
class RegistryConverterTest {

  @RegisterExtension
  static final ApicurioRegistryExtension REGISTRY = new ApicurioRegistryExtension();

  private static final Schema PAYMENT = SchemaBuilder.struct().name("io.example.Payment")
      .field("id", Schema.INT64_SCHEMA).field("note", Schema.STRING_SCHEMA).build();
  private static final String INNER = EncryptingConverterConfig.INNER_CONVERTER_PREFIX;
  static final String MARKER = "registry-plaintext-marker";

  private EncryptingConverter converter(Map<String, Object> envelope, String clearPrefix) {
    Map<String, Object> m = new HashMap<>(envelope);
    m.put(EncryptingConverterConfig.INNER_CONVERTER,
        "io.apicurio.registry.utils.converter.AvroConverter");
    m.put(INNER + "apicurio.registry.url", REGISTRY.registry().url());
    m.put(INNER + "apicurio.registry.auto-register", "true");
    // the schema id in the value (magic byte + 4-byte id), not in a header
    m.put(INNER + "apicurio.registry.headers.enabled", "false");
    m.put(INNER + "apicurio.registry.as-confluent", "true");
    m.put("envelope.clear.prefix", clearPrefix);
    EncryptingConverter c = new EncryptingConverter();
    c.configure(m, false);
    return c;
  }

  @Test
  void anAvroStructRoundTripsThroughTheRegistryConverterWithItsSchemaIdInTheClear() {
    Map<String, Object> envelope = EnvelopeFixtures.inMemoryEnvelope("apicurio-conv");
    Struct payment = new Struct(PAYMENT).put("id", 42L).put("note", "refund " + MARKER);
    try (EncryptingConverter source = converter(envelope, "schema-id-4");
        EncryptingConverter sink = converter(envelope, "none")) {
      Headers headers = new RecordHeaders();
      byte[] sealed = source.fromConnectData("payments", headers, PAYMENT, payment);
      assertFalse(TestClients.contains(sealed, MARKER), "plaintext in the value");
      assertNotNull(headers.lastHeader("kafka-envelope.value"));
      assertEquals(0x00, sealed[0], "the registry's magic byte stays in the clear");
      int id = ByteBuffer.wrap(sealed, 1, 4).getInt();
      assertNotNull(REGISTRY.registry().schema(id), "the clear id names the registered schema");
      assertTrue(REGISTRY.registry().requests.stream().anyMatch(r -> r.startsWith("POST ")),
          "the inner converter registered its schema: its prefixed settings reached it");

      SchemaAndValue back = sink.toConnectData("payments", headers, sealed);
      Struct read = (Struct) back.value();
      assertEquals(42L, read.getInt64("id"));
      assertEquals("refund " + MARKER, read.getString("note"));
    }
  }
}
