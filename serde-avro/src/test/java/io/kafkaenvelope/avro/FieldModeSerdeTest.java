package io.kafkaenvelope.avro;

import static io.kafkaenvelope.avro.PaymentFixtures.SECRET;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkaenvelope.avro.field.Payment;
import io.kafkaenvelope.config.EnvelopeConfig;
import io.kafkaenvelope.serde.EnvelopeException;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

/** Field mode through the public serde classes without a broker: settings and their errors. */
class FieldModeSerdeTest {

  private final Map<String, Object> envelope = Fixtures.envelope();

  private Map<String, Object> fieldMode(Object... kv) {
    Map<String, Object> m = new HashMap<>(envelope);
    m.put(EnvelopeConfig.MODE, "field");
    m.put(EnvelopeConfig.FIELDS, PaymentFixtures.FIELDS);
    m.put(EnvelopeConfig.FIELDS_TAGS, "PII");
    m.put(AvroSerdeConfig.WRITER_SCHEMAS, "classpath:avro/payment-v1.avsc");
    for (int i = 0; i < kv.length; i += 2) {
      m.put((String) kv[i], kv[i + 1]);
    }
    return m;
  }

  @Test
  void theAvroSerdeEncryptsFieldsWithHeadersAndReadsThemBack() {
    try (EncryptingAvroSerde<GenericRecord> serde = new EncryptingAvroSerde<>()) {
      // field mode needs record headers; the serde frames inline unless told otherwise
      serde.configure(fieldMode(EnvelopeConfig.FRAMING, "headers"), false);
      RecordHeaders h = new RecordHeaders();
      byte[] wire = serde.serializer().serialize("t", h, PaymentFixtures.generic(0));
      assertFalse(Fixtures.contains(wire, SECRET));
      assertTrue(Fixtures.contains(wire, "clear note 0"), "clear fields stay readable");
      assertEquals(PaymentFixtures.generic(0), serde.deserializer().deserialize("t", h, wire));
    }
  }

  @Test
  void aDeterministicFieldGivesEqualCiphertextsForEqualValues() throws java.io.IOException {
    Map<String, Object> c = fieldMode("envelope.fields.mode.ssn", "deterministic");
    try (EncryptingAvroSerializer<Object> s = new EncryptingAvroSerializer<>();
        DecryptingAvroDeserializer<GenericRecord> d = new DecryptingAvroDeserializer<>()) {
      s.configure(c, false);
      d.configure(c, false);
      Payment a = PaymentFixtures.payment(0);
      Payment b = PaymentFixtures.payment(1);
      b.setSsn(a.getSsn());
      RecordHeaders ha = new RecordHeaders();
      RecordHeaders hb = new RecordHeaders();
      byte[] wa = s.serialize("t", ha, a);
      byte[] wb = s.serialize("t", hb, b);
      BinaryMessageDecoder<GenericRecord> raw = new BinaryMessageDecoder<>(GenericData.get(),
          io.kafkaenvelope.avro.internal.FieldSchemas.derived(c, false,
              List.of(PaymentFixtures.V1)).get(0).derived());
      GenericRecord ra = raw.decode(wa);
      GenericRecord rb = raw.decode(wb);
      assertArrayEquals(bytes(ra.get("ssn")), bytes(rb.get("ssn")), "same ssn, same bytes");
      assertFalse(java.util.Arrays.equals(bytes(ra.get("email")), bytes(rb.get("email"))));
      GenericRecord read = d.deserialize("t", hb, wb);
      assertEquals(a.getSsn(), read.get("ssn").toString());
      assertEquals(b.getEmail(), read.get("email").toString());
    }
  }

  @Test
  void aPatternNoConfiguredSchemaHasFailsConfigureNamingTheSetting() {
    try (EncryptingAvroSerializer<Object> s = new EncryptingAvroSerializer<>()) {
      ConfigException e = assertThrows(ConfigException.class, () -> s.configure(
          fieldMode(EnvelopeConfig.FIELDS, "ssn,card.numbr"), false));
      assertTrue(e.getMessage().contains("envelope.fields"), e.getMessage());
      assertTrue(e.getMessage().contains("card.numbr"), e.getMessage());
    }
    // a pattern of an older writer schema is fine for a reader whose reader schema dropped it
    try (DecryptingAvroDeserializer<GenericRecord> d = new DecryptingAvroDeserializer<>()) {
      d.configure(fieldMode(AvroSerdeConfig.READER_SCHEMA, "classpath:avro/payment-v2.avsc"),
          false);
    }
  }

  @Test
  void aPatternTheRecordLacksFailsTheFirstRecordAndSendsNothing() {
    Map<String, Object> c = fieldMode(EnvelopeConfig.FIELDS, "ssn,card.number");
    c.remove(AvroSerdeConfig.WRITER_SCHEMAS);
    try (EncryptingAvroSerializer<Object> s = new EncryptingAvroSerializer<>()) {
      s.configure(c, false);
      RecordHeaders h = new RecordHeaders();
      EnvelopeException e = assertThrows(EnvelopeException.class,
          () -> s.serialize("t", h, PaymentFixtures.payment(0)));
      assertEquals(EnvelopeException.Reason.MISCONFIGURED, e.reason());
      assertTrue(e.getMessage().contains("envelope.fields"), e.getMessage());
      assertTrue(e.getMessage().contains("card.number"), e.getMessage());
      assertFalse(e.getMessage().contains(SECRET));
    }
  }

  @Test
  void aRegistryLessReaderWithoutTheProducersSelectionIsToldWhatToSet() {
    RecordHeaders h = new RecordHeaders();
    byte[] wire;
    try (EncryptingAvroSerializer<Object> s = new EncryptingAvroSerializer<>()) {
      s.configure(fieldMode(), false);
      wire = s.serialize("t", h, PaymentFixtures.generic(0));
    }
    Map<String, Object> reader = new HashMap<>(envelope);
    reader.put(AvroSerdeConfig.WRITER_SCHEMAS, "classpath:avro/payment-v1.avsc");
    try (DecryptingAvroDeserializer<GenericRecord> d = new DecryptingAvroDeserializer<>()) {
      d.configure(reader, false);
      SerializationException e = assertThrows(SerializationException.class,
          () -> d.deserialize("t", h, wire));
      assertNotNull(e.getMessage());
      assertTrue(e.getMessage().contains("envelope.fields"), e.getMessage());
    }
  }

  private static byte[] bytes(Object buffer) {
    ByteBuffer b = ((ByteBuffer) buffer).duplicate();
    byte[] out = new byte[b.remaining()];
    b.get(out);
    return out;
  }
}
