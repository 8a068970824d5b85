package io.kafkaenvelope.connect;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkaenvelope.internal.wire.Role;
import io.kafkaenvelope.serde.DecryptingDeserializer;
import io.kafkaenvelope.serde.EnvelopeException;
import io.kafkaenvelope.serde.EnvelopeException.Reason;
import io.kafkaenvelope.testing.EnvelopeFixtures;
import io.kafkaenvelope.testing.TestClients;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.connect.converters.ByteArrayConverter;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.storage.StringConverter;
import org.junit.jupiter.api.Test;

/** {@link EncryptingConverter} on its own: both sides, both roles, the modes and every refusal. */
class EncryptingConverterTest {

  static final String MARKER = "converter-plaintext-marker";
  private static final Schema ORDER = SchemaBuilder.struct().name("Order")
      .field("id", Schema.INT32_SCHEMA).field("note", Schema.STRING_SCHEMA).build();

  private final Map<String, Object> envelope = EnvelopeFixtures.inMemoryEnvelope("conv");

  private EncryptingConverter converter(boolean isKey, Object... settings) {
    Map<String, Object> m = new HashMap<>(envelope);
    m.put(EncryptingConverterConfig.INNER_CONVERTER, JsonConverter.class.getName());
    for (int i = 0; i < settings.length; i += 2) {
      if (settings[i + 1] == null) {
        m.remove((String) settings[i]);
      } else {
        m.put((String) settings[i], settings[i + 1]);
      }
    }
    EncryptingConverter c = new EncryptingConverter();
    c.configure(m, isKey);
    return c;
  }

  private static Struct order(int id) {
    return new Struct(ORDER).put("id", id).put("note", "order " + id + " " + MARKER);
  }

  @Test
  void aStructGoesThroughJsonEncryptedWithItsEnvelopeInTheHeaders() {
    try (EncryptingConverter source = converter(false);
        EncryptingConverter sink = converter(false)) {
      Headers headers = new RecordHeaders();
      byte[] sealed = source.fromConnectData("orders", headers, ORDER, order(7));
      assertFalse(TestClients.contains(sealed, MARKER), "plaintext in the value");
      assertNotNull(headers.lastHeader("kafka-envelope.value"), "the envelope header");
      SchemaAndValue back = sink.toConnectData("orders", headers, sealed);
      assertEquals(order(7), back.value());
      assertEquals(ORDER.fields(), back.schema().fields());
    }
  }

  @Test
  void keysUseTheKeyRoleAndItsOwnHeader() {
    try (EncryptingConverter keySource = converter(true);
        EncryptingConverter keySink = converter(true);
        EncryptingConverter valueSink = converter(false)) {
      Headers headers = new RecordHeaders();
      byte[] sealed = keySource.fromConnectData("orders", headers, Schema.STRING_SCHEMA, "k1");
      assertNotNull(headers.lastHeader("kafka-envelope.key"));
      assertNull(headers.lastHeader("kafka-envelope.value"));
      assertEquals("k1", keySink.toConnectData("orders", headers, sealed).value());
      // a value converter finds no value envelope: refused, never read as plaintext
      DataException e = assertThrows(DataException.class,
          () -> valueSink.toConnectData("orders", headers, sealed));
      assertEquals(Reason.PLAINTEXT_REJECTED, reason(e));
    }
  }

  @Test
  void withoutHeadersTheEnvelopeIsFramedInTheValue() {
    try (EncryptingConverter c = converter(false)) {
      byte[] sealed = c.fromConnectData("orders", ORDER, order(1));
      assertEquals(order(1), c.toConnectData("orders", sealed).value());
      assertEquals(order(1), c.toConnectData("orders", new RecordHeaders(), sealed).value());
    }
  }

  @Test
  void innerSettingsGoUnderThePrefixAndReachTheInnerConverterWithoutIt() {
    try (EncryptingConverter c = converter(false,
        EncryptingConverterConfig.INNER_CONVERTER_PREFIX + "schemas.enable", "false");
        DecryptingDeserializer<String> d = new DecryptingDeserializer<>(new StringDeserializer())) {
      d.configure(envelope, false);
      Headers headers = new RecordHeaders();
      byte[] sealed = c.fromConnectData("orders", headers, Schema.STRING_SCHEMA, "hello");
      // schemas.enable=false: bare JSON, no {"schema":...,"payload":...} envelope
      assertEquals("\"hello\"", d.deserialize("orders", headers, sealed));
    }
  }

  @Test
  void tombstonesStayNull() {
    try (EncryptingConverter c = converter(false, EncryptingConverterConfig.INNER_CONVERTER,
        StringConverter.class.getName())) {
      Headers headers = new RecordHeaders();
      assertNull(c.fromConnectData("orders", headers, null, null));
      assertNull(headers.lastHeader("kafka-envelope.value"));
      assertNull(c.toConnectData("orders", headers, null).value());
    }
  }

  @Test
  void aRecordUnderAnotherKekIsRefusedWithItsReason() {
    Headers headers = new RecordHeaders();
    byte[] sealed;
    try (EncryptingConverter source = converter(false)) {
      sealed = source.fromConnectData("orders", headers, ORDER, order(2));
    }
    try (EncryptingConverter sink = converter(false, "envelope.kek.id", "another-kek")) {
      DataException e = assertThrows(DataException.class,
          () -> sink.toConnectData("orders", headers, sealed));
      assertEquals(Reason.KEK_NOT_ALLOWED, reason(e));
      assertFalse(e.getMessage().contains(MARKER));
    }
  }

  @Test
  void tamperingAndCopiesIntoAnotherTopicAreRefusedAndAMirrorAliasAllowsTheMirror() {
    try (EncryptingConverter source = converter(false);
        EncryptingConverter sink = converter(false);
        EncryptingConverter mirrorSink = converter(false,
            "envelope.provenance.mirror.source.aliases", "primary")) {
      Headers headers = new RecordHeaders();
      byte[] sealed = source.fromConnectData("orders", headers, ORDER, order(3));
      byte[] flipped = sealed.clone();
      flipped[flipped.length - 1] ^= 1;
      assertEquals(Reason.TAMPERED, reason(assertThrows(DataException.class,
          () -> sink.toConnectData("orders", headers, flipped))));
      assertEquals(Reason.TOPIC_MISMATCH, reason(assertThrows(DataException.class,
          () -> sink.toConnectData("primary.orders", headers, sealed))));
      assertEquals(order(3), mirrorSink.toConnectData("primary.orders", headers, sealed).value());
    }
  }

  @Test
  void aRecordWithoutEnvelopeIsRefusedUnlessThePlaintextPolicyAllowsIt() {
    byte[] plain = "{\"schema\":{\"type\":\"string\"},\"payload\":\"x\"}"
        .getBytes(StandardCharsets.UTF_8);
    try (EncryptingConverter sink = converter(false)) {
      assertEquals(Reason.PLAINTEXT_REJECTED, reason(assertThrows(DataException.class,
          () -> sink.toConnectData("orders", new RecordHeaders(), plain))));
    }
    try (EncryptingConverter sink = converter(false, "envelope.plaintext.policy", "allow")) {
      assertEquals("x", sink.toConnectData("orders", new RecordHeaders(), plain).value());
    }
  }

  @Test
  void passThroughHandsTheSinkASelfContainedEnvelopeThatDecryptsLater() {
    try (EncryptingConverter source = converter(false);
        EncryptingConverter bytesSink = converter(false, "envelope.kek.id", null,
            "envelope.kms.type", null, EncryptingConverterConfig.INNER_CONVERTER, null,
            EncryptingConverterConfig.SINK_MODE, "passthrough");
        EncryptingConverter textSink = converter(false, EncryptingConverterConfig.SINK_MODE,
            "PassThrough", EncryptingConverterConfig.PASSTHROUGH_FORMAT, "base64");
        DecryptingDeserializer<String> d = new DecryptingDeserializer<>(new StringDeserializer())) {
      d.configure(envelope, false);
      Headers headers = new RecordHeaders();
      byte[] sealed = source.fromConnectData("orders", headers, ORDER, order(4));
      String json = d.deserialize("orders", headers, sealed);

      SchemaAndValue asBytes = bytesSink.toConnectData("orders", headers, sealed);
      assertEquals(Schema.OPTIONAL_BYTES_SCHEMA, asBytes.schema());
      byte[] frame = (byte[]) asBytes.value();
      assertFalse(TestClients.contains(frame, MARKER));
      // no headers needed: the frame carries its envelope
      assertEquals(json, d.deserialize("orders", frame));

      SchemaAndValue asText = textSink.toConnectData("orders", headers, sealed);
      assertEquals(Schema.OPTIONAL_STRING_SCHEMA, asText.schema());
      assertArrayEquals(frame, Base64.getDecoder().decode((String) asText.value()));

      // a value framed inline already goes on untouched
      byte[] inline = source.fromConnectData("orders", ORDER, order(5));
      assertArrayEquals(inline, (byte[]) bytesSink.toConnectData("orders", new RecordHeaders(),
          inline).value());

      // the stored frame is still bound to its topic and authenticated
      assertEquals(Reason.TOPIC_MISMATCH, assertThrows(EnvelopeException.class,
          () -> d.deserialize("elsewhere", frame)).reason());
      byte[] flipped = frame.clone();
      flipped[flipped.length - 1] ^= 1;
      assertEquals(Reason.TAMPERED, assertThrows(EnvelopeException.class,
          () -> d.deserialize("orders", flipped)).reason());

      assertNull(bytesSink.toConnectData("orders", headers, null).value());
      // a pass-through-only converter cannot encrypt, and says what to set
      DataException e = assertThrows(DataException.class,
          () -> bytesSink.fromConnectData("orders", new RecordHeaders(), ORDER, order(6)));
      assertTrue(e.getMessage().contains(EncryptingConverterConfig.INNER_CONVERTER),
          e.getMessage());
    }
  }

  @Test
  void passThroughRefusesPlaintextAndEnvelopesItCannotFrame() {
    try (EncryptingConverter sink = converter(false, EncryptingConverterConfig.SINK_MODE,
        "passthrough");
        EncryptingConverter clearPrefixSource = converter(false,
            EncryptingConverterConfig.INNER_CONVERTER, ByteArrayConverter.class.getName(),
            "envelope.clear.prefix", "schema-id-4");
        EncryptingConverter keySource = converter(true)) {
      DataException plaintext = assertThrows(DataException.class,
          () -> sink.toConnectData("orders", new RecordHeaders(), "x".getBytes()));
      assertTrue(plaintext.getMessage().contains("envelope.plaintext.policy"),
          plaintext.getMessage());

      Headers headers = new RecordHeaders();
      byte[] registryFramed = {0, 0, 0, 0, 42, 'b', 'o', 'd', 'y'};
      byte[] sealed = clearPrefixSource.fromConnectData("orders", headers, Schema.BYTES_SCHEMA,
          registryFramed);
      DataException prefix = assertThrows(DataException.class,
          () -> sink.toConnectData("orders", headers, sealed));
      assertTrue(prefix.getMessage().contains("envelope.clear.prefix"), prefix.getMessage());

      // a field-mode record's keys are in headers the sink would not store: refused, even
      // where records without an envelope may pass
      Headers fieldHeaders = new RecordHeaders();
      fieldHeaders.add(Role.VALUE.fieldsHeaderName(), new byte[] {5});
      byte[] fieldRecord = "{\"ssn\":\"BQ==\"}".getBytes(StandardCharsets.UTF_8);
      DataException fields = assertThrows(DataException.class,
          () -> sink.toConnectData("orders", fieldHeaders, fieldRecord));
      assertTrue(fields.getMessage().contains("envelope.mode=field"), fields.getMessage());
      try (EncryptingConverter lenient = converter(false, EncryptingConverterConfig.SINK_MODE,
          "passthrough", "envelope.plaintext.policy", "allow")) {
        assertThrows(DataException.class,
            () -> lenient.toConnectData("orders", fieldHeaders, fieldRecord));
      }

      // a key envelope is no value envelope
      Headers keyHeaders = new RecordHeaders();
      byte[] inlineKey = keySource.fromConnectData("orders", Schema.STRING_SCHEMA, "k");
      assertThrows(DataException.class,
          () -> sink.toConnectData("orders", keyHeaders, inlineKey));
    }
  }

  @Test
  void configurationMistakesNameTheSetting() {
    ConfigException noInner = assertThrows(ConfigException.class,
        () -> converter(false, EncryptingConverterConfig.INNER_CONVERTER, null));
    assertTrue(noInner.getMessage().contains(EncryptingConverterConfig.INNER_CONVERTER));

    ConfigException notAConverter = assertThrows(ConfigException.class,
        () -> converter(false, EncryptingConverterConfig.INNER_CONVERTER, "java.lang.String"));
    assertTrue(notAConverter.getMessage().contains(EncryptingConverterConfig.INNER_CONVERTER));

    ConfigException twice = assertThrows(ConfigException.class,
        () -> converter(false, EncryptingConverterConfig.INNER_CONVERTER,
            EncryptingConverter.class.getName()));
    assertTrue(twice.getMessage().contains("twice"));

    ConfigException badMode = assertThrows(ConfigException.class,
        () -> converter(false, EncryptingConverterConfig.SINK_MODE, "plaintext"));
    assertTrue(badMode.getMessage().contains(EncryptingConverterConfig.SINK_MODE));

    ConfigException noKms = assertThrows(ConfigException.class,
        () -> converter(false, "envelope.kms.type", null));
    assertTrue(noKms.getMessage().contains("envelope.kms.type"));

    // neither a KEK to encrypt under nor a policy to decrypt with
    ConfigException nothing = assertThrows(ConfigException.class,
        () -> converter(false, "envelope.kek.id", null));
    assertTrue(nothing.getMessage().contains("envelope.kek"), nothing.getMessage());
  }

  @Test
  void aSinkConfiguredWithOnlyAllowedKeksDecryptsButDoesNotEncrypt() {
    Headers headers = new RecordHeaders();
    byte[] sealed;
    try (EncryptingConverter source = converter(false)) {
      sealed = source.fromConnectData("orders", headers, ORDER, order(8));
    }
    try (EncryptingConverter sink = converter(false, "envelope.kek.id", null,
        "envelope.kek.allowed.ids", envelope.get("envelope.kek.id"))) {
      assertEquals(order(8), sink.toConnectData("orders", headers, sealed).value());
      DataException e = assertThrows(DataException.class,
          () -> sink.fromConnectData("orders", new RecordHeaders(), ORDER, order(9)));
      assertTrue(e.getMessage().contains("envelope.kek.id"), e.getMessage());
    }
  }

  @Test
  void aClosedConverterRefusesToWork() {
    EncryptingConverter c = converter(false);
    c.close();
    assertThrows(DataException.class,
        () -> c.fromConnectData("orders", new RecordHeaders(), ORDER, order(1)));
    assertThrows(DataException.class,
        () -> c.toConnectData("orders", new RecordHeaders(), new byte[] {1}));
  }

  private static Reason reason(DataException e) {
    return assertInstanceOf(EnvelopeException.class, e.getCause(), e.getMessage()).reason();
  }
}
