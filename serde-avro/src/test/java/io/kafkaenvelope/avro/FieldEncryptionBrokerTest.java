package io.kafkaenvelope.avro;

import static io.kafkaenvelope.avro.PaymentFixtures.SECRET;
import static io.kafkaenvelope.avro.PaymentFixtures.V1;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkaenvelope.avro.field.Payment;
import io.kafkaenvelope.config.EnvelopeConfig;
import io.kafkaenvelope.serde.EnvelopeException;
import io.kafkaenvelope.testing.ApicurioRegistryExtension;
import io.kafkaenvelope.testing.KafkaExtension;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Field-level encryption of Avro records through a real broker: every field type, GenericRecord
 * and SpecificRecord, registry-less and with Apicurio's serdes against the loopback registry.
 */
class FieldEncryptionBrokerTest {

  @RegisterExtension static final KafkaExtension KAFKA = new KafkaExtension();

  @RegisterExtension
  static final ApicurioRegistryExtension REGISTRY = new ApicurioRegistryExtension();

  private static final String V1_FILE = "classpath:avro/payment-v1.avsc";
  private static final String SER = EncryptingAvroSerializer.class.getName();
  private static final String DESER = DecryptingAvroDeserializer.class.getName();

  private final Map<String, Object> envelope = Fixtures.envelope();

  /** Producer (and registry-less reader) settings: the fields of PaymentFixtures. */
  private Map<String, Object> fieldMode() {
    Map<String, Object> m = new HashMap<>(envelope);
    m.put(EnvelopeConfig.MODE, "field");
    m.put(EnvelopeConfig.FIELDS, PaymentFixtures.FIELDS);
    m.put(EnvelopeConfig.FIELDS_TAGS, "PII");
    return m;
  }

  private static Map<String, Object> with(Map<String, Object> m, Object... kv) {
    Map<String, Object> c = new HashMap<>(m);
    for (int i = 0; i < kv.length; i += 2) {
      c.put((String) kv[i], kv[i + 1]);
    }
    return c;
  }

  /** Records 0..n-1: even ones as GenericRecord, odd ones as the generated class. */
  private static Object mixed(int i) {
    return i % 2 == 0 ? PaymentFixtures.generic(i) : PaymentFixtures.payment(i);
  }

  private static List<ConsumerRecord<byte[], byte[]>> produce(Map<String, Object> settings,
      String topic, int n, IntFunction<Object> value) {
    KAFKA.broker().createTopic(topic, 1);
    return Fixtures.sendAndReadRaw(KAFKA.broker(), settings, SER, topic, n, value, SECRET,
        Fixtures.MARKER);
  }

  private static <T> List<T> consume(Map<String, Object> settings, String topic, int n) {
    try (KafkaConsumer<String, T> c = new KafkaConsumer<>(Fixtures.consumer(KAFKA.broker(),
        settings, DESER))) {
      List<T> out = new ArrayList<>();
      Fixtures.drain(c, topic, n).forEach(r -> out.add(r.value()));
      assertEquals(n, out.size());
      return out;
    }
  }

  /** The derived schema the producer wrote, read back from the registry-less wire format. */
  private static Schema derivedOnTheWire(Map<String, Object> settings) {
    List<io.kafkaenvelope.avro.internal.FieldSchemas.Derived> d =
        io.kafkaenvelope.avro.internal.FieldSchemas.derived(settings, false, List.of(V1));
    assertEquals(1, d.size());
    return d.get(0).derived();
  }

  @Test
  void everyFieldTypeRoundTripsRegistryLessAsGenericAndSpecificAndTheBrokerHoldsCiphertext()
      throws IOException {
    String topic = Fixtures.unique("payments-fields");
    int n = 6;
    List<ConsumerRecord<byte[], byte[]>> raw = produce(fieldMode(), topic, n,
        FieldEncryptionBrokerTest::mixed);
    // the raw value is the derived record in single-object encoding: clear fields readable
    Schema derived = derivedOnTheWire(fieldMode());
    BinaryMessageDecoder<GenericRecord> plain = new BinaryMessageDecoder<>(GenericData.get(),
        derived);
    for (int i = 0; i < n; i++) {
      ConsumerRecord<byte[], byte[]> r = raw.get(i);
      assertNull(r.headers().lastHeader("kafka-envelope.value"), "no whole-record envelope");
      GenericRecord onBroker = plain.decode(r.value());
      GenericRecord original = PaymentFixtures.generic(i);
      assertEquals(original.get("id").toString(), onBroker.get("id").toString());
      assertEquals(original.get("note").toString(), onBroker.get("note").toString());
      assertEquals("sku-2", ((GenericRecord) ((List<?>) onBroker.get("lines")).get(1))
          .get("sku").toString());
      for (String f : List.of("ssn", "email", "age", "balance", "score", "vip", "address",
          "colour", "code", "amount", "paidAt", "paidAtMicros", "token", "day", "tier")) {
        assertInstanceOf(ByteBuffer.class, onBroker.get(f), f);
      }
      assertEquals(i % 2 == 0, onBroker.get("nickname") != null, "a null stays null");
    }
    // registry-less readers: the writer schema and the producer's selection (for fingerprints)
    Map<String, Object> reader = with(fieldMode(), AvroSerdeConfig.WRITER_SCHEMAS, V1_FILE);
    List<GenericRecord> generic = consume(reader, topic, n);
    for (int i = 0; i < n; i++) {
      assertEquals(PaymentFixtures.generic(i), generic.get(i), "record " + i);
    }
    List<Payment> specific = consume(with(reader, AvroSerdeConfig.SPECIFIC_CLASS,
        Payment.class.getName()), topic, n);
    for (int i = 0; i < n; i++) {
      assertEquals(PaymentFixtures.payment(i), specific.get(i), "record " + i);
    }
    // and into a later reader schema: the encrypted vip dropped, the encrypted risk defaulted
    List<GenericRecord> v2 = consume(with(reader, AvroSerdeConfig.READER_SCHEMA,
        "classpath:avro/payment-v2.avsc"), topic, n);
    assertEquals(PaymentFixtures.V2, v2.get(0).getSchema());
    assertEquals(7, v2.get(0).get("risk"));
    assertEquals(PaymentFixtures.generic(0).get("ssn").toString(),
        v2.get(0).get("ssn").toString());
  }

  @Test
  void apicurioSerdesCarryTheDerivedSchemaAndReadersGetGenericOrSpecificRecords() {
    String topic = Fixtures.unique("payments-apicurio");
    Map<String, Object> settings = with(fieldMode(),
        EnvelopeConfig.INNER_SERIALIZER, "io.apicurio.registry.serde.avro.AvroKafkaSerializer",
        EnvelopeConfig.INNER_DESERIALIZER,
        "io.apicurio.registry.serde.avro.AvroKafkaDeserializer",
        "apicurio.registry.url", REGISTRY.registry().url(),
        "apicurio.registry.auto-register", "true");
    int n = 4;
    List<ConsumerRecord<byte[], byte[]>> raw = produce(settings, topic, n,
        FieldEncryptionBrokerTest::mixed);
    assertNotNull(raw.get(0).headers().lastHeader("apicurio.value.globalId"));
    long id = ByteBuffer.wrap(raw.get(0).headers().lastHeader("apicurio.value.globalId").value())
        .getLong();
    Schema registered = new Schema.Parser().parse(REGISTRY.registry().schema(id));
    assertEquals(Schema.Type.BYTES, registered.getField("ssn").schema().getType());
    assertNotNull(registered.getField("ssn").schema().getProp("kafka-envelope.sealed"),
        "the registry holds the derived schema, which records the original field schemas");
    // the consumer needs no envelope.fields: the registry gives it the derived schema
    Map<String, Object> reader = new HashMap<>(settings);
    reader.remove(EnvelopeConfig.FIELDS);
    reader.remove(EnvelopeConfig.MODE);
    List<GenericRecord> generic = consume(reader, topic, n);
    for (int i = 0; i < n; i++) {
      // with a registry the writer schema of a generated class's record is the class's schema
      Schema writer = i % 2 == 0 ? V1 : Payment.getClassSchema();
      assertEquals(PaymentFixtures.generic(i, writer), generic.get(i), "record " + i);
    }
    List<Payment> specific = consume(with(reader, AvroSerdeConfig.SPECIFIC_CLASS,
        Payment.class.getName()), topic, n);
    for (int i = 0; i < n; i++) {
      assertEquals(PaymentFixtures.payment(i), specific.get(i), "record " + i);
    }
  }

  @Test
  void everyByteOfAFieldCiphertextOrItsHeaderAndCiphertextsMovedElsewhereAreRefused()
      throws IOException {
    String topic = Fixtures.unique("payments-tamper");
    List<ConsumerRecord<byte[], byte[]>> raw = produce(fieldMode(), topic, 2,
        PaymentFixtures::generic);
    Schema derived = derivedOnTheWire(fieldMode());
    BinaryMessageDecoder<GenericRecord> dec = new BinaryMessageDecoder<>(GenericData.get(),
        derived);
    BinaryMessageEncoder<GenericRecord> enc = new BinaryMessageEncoder<>(GenericData.get(),
        derived);
    ConsumerRecord<byte[], byte[]> first = raw.get(0);
    GenericRecord r0 = dec.decode(first.value());
    GenericRecord r1 = dec.decode(raw.get(1).value());
    Map<String, Object> reader = with(fieldMode(), AvroSerdeConfig.WRITER_SCHEMAS, V1_FILE);
    try (DecryptingAvroDeserializer<GenericRecord> d = new DecryptingAvroDeserializer<>()) {
      d.configure(reader, false);
      assertEquals(PaymentFixtures.generic(0), d.deserialize(topic, first.headers(),
          first.value()), "the control reads");
      byte[] ssn = bytes((ByteBuffer) r0.get("ssn"));
      int at = indexOf(first.value(), ssn);
      assertTrue(at > 0);
      for (int i = 0; i < ssn.length; i++) {
        byte[] copy = first.value().clone();
        copy[at + i] ^= 0x01;
        EnvelopeException e = assertThrows(EnvelopeException.class,
            () -> d.deserialize(topic, first.headers(), copy), "byte " + i);
        // the first byte is the field format's version, the rest authenticated
        assertEquals(i == 0 ? EnvelopeException.Reason.MALFORMED
            : EnvelopeException.Reason.TAMPERED, e.reason(), "byte " + i);
        assertFalse(e.getMessage().contains(SECRET));
      }
      // every byte of the field header (one KEK here, so one header)
      String name = "kafka-envelope.value.fields";
      assertEquals(1, count(first.headers(), name));
      byte[] header = first.headers().lastHeader(name).value();
      for (int i = 0; i < header.length; i++) {
        byte[] forged = header.clone();
        forged[i] ^= 0x01;
        org.apache.kafka.common.header.internals.RecordHeaders hs =
            new org.apache.kafka.common.header.internals.RecordHeaders();
        for (org.apache.kafka.common.header.Header x : first.headers()) {
          hs.add(x.key(), x.key().equals(name) ? forged : x.value());
        }
        assertRefused(d, topic, hs, first.value());
      }
      // into another field of the same record
      GenericRecord moved = new GenericData.Record((GenericData.Record) r0, true);
      moved.put("email", r0.get("ssn"));
      assertRefused(d, topic, first.headers(), enc.encode(moved).array());
      // from another record (its own headers would not list it... and its binding differs)
      GenericRecord other = new GenericData.Record((GenericData.Record) r0, true);
      other.put("ssn", r1.get("ssn"));
      assertRefused(d, topic, first.headers(), enc.encode(other).array());
      // into another array element
      GenericRecord swapped = new GenericData.Record((GenericData.Record) r0, true);
      List<?> lines = (List<?>) r0.get("lines");
      GenericRecord l0 = new GenericData.Record((GenericData.Record) lines.get(0), true);
      l0.put("address", ((GenericRecord) lines.get(1)).get("address"));
      swapped.put("lines", List.of(l0, lines.get(1)));
      assertRefused(d, topic, first.headers(), enc.encode(swapped).array());
      // the whole record replayed into another topic
      assertRefused(d, topic + "-other", first.headers(), first.value());
    }
    String replay = Fixtures.unique("payments-replayed");
    KAFKA.broker().createTopic(replay, 1);
    Fixtures.sendRaw(KAFKA.broker(), List.of(new ProducerRecord<>(replay, null, first.key(),
        first.value(), first.headers())));
    try (KafkaConsumer<String, GenericRecord> c = new KafkaConsumer<>(Fixtures.consumer(
        KAFKA.broker(), reader, DESER))) {
      Fixtures.Refusal<GenericRecord> out = Fixtures.pollUntilRefusal(c, replay);
      assertNotNull(out.refused(), "a record copied into another topic is refused");
      assertInstanceOf(EnvelopeException.class, out.refused().getCause());
    }
  }

  private static void assertRefused(DecryptingAvroDeserializer<GenericRecord> d, String topic,
      Headers headers, byte[] value) {
    EnvelopeException e = assertThrows(EnvelopeException.class,
        () -> d.deserialize(topic, headers, value));
    assertFalse(e.getMessage().contains(SECRET), e.getMessage());
  }

  @Test
  void twoTeamsWithDifferentKeksSeeWhatTheirKeysAllow() {
    String topic = Fixtures.unique("payments-teams");
    // the PII-tagged email, the annotated ssn and the nullable nickname under kek-pii
    Map<String, Object> producer = with(fieldMode(), "envelope.fields.kek.PII", "pii-kek",
        "envelope.fields.kek.ssn", "pii-kek", "envelope.fields.kek.nickname", "pii-kek");
    produce(producer, topic, 2, PaymentFixtures::generic);
    Map<String, Object> base = with(envelope, AvroSerdeConfig.WRITER_SCHEMAS, V1_FILE,
        EnvelopeConfig.FIELDS, PaymentFixtures.FIELDS, EnvelopeConfig.FIELDS_TAGS, "PII");
    // the PII team may use both KEKs: everything
    List<GenericRecord> all = consume(with(base, EnvelopeConfig.KEK_ALLOWED_IDS, "pii-kek"),
        topic, 2);
    assertEquals(PaymentFixtures.generic(0), all.get(0));
    assertEquals(PaymentFixtures.generic(1), all.get(1));
    // the analytics team only the record's KEK: keep leaves the PII fields as ciphertext
    List<GenericRecord> kept = consume(with(base, EnvelopeConfig.FIELDS_UNREADABLE, "keep"),
        topic, 2);
    GenericRecord k0 = kept.get(0);
    assertInstanceOf(ByteBuffer.class, k0.get("ssn"));
    assertInstanceOf(ByteBuffer.class, k0.get("email"));
    assertInstanceOf(ByteBuffer.class, k0.get("nickname"));
    assertEquals(PaymentFixtures.generic(0).get("age"), k0.get("age"), "its own fields open");
    assertEquals(PaymentFixtures.generic(0).get("address"), k0.get("address"));
    assertFalse(k0.toString().contains(SECRET.substring(0, 12) + " 078"));
    // null: refused here, ssn and email cannot be null; fail: refused
    try (KafkaConsumer<String, GenericRecord> c = new KafkaConsumer<>(Fixtures.consumer(
        KAFKA.broker(), with(base, EnvelopeConfig.FIELDS_UNREADABLE, "null"), DESER))) {
      Fixtures.assertRefused(c, topic, 0, "MALFORMED", SECRET,
          EnvelopeConfig.FIELDS_UNREADABLE);
    }
    try (KafkaConsumer<String, GenericRecord> c = new KafkaConsumer<>(Fixtures.consumer(
        KAFKA.broker(), base, DESER))) {
      Fixtures.assertRefused(c, topic, 0, "KEK_NOT_ALLOWED", SECRET, "pii-kek");
    }
    // only the nullable nickname under kek-pii: null gives the record with nickname null
    String nullable = Fixtures.unique("payments-nickname");
    produce(with(fieldMode(), "envelope.fields.kek.nickname", "pii-kek"), nullable, 2,
        PaymentFixtures::generic);
    List<GenericRecord> nulled = consume(with(base, EnvelopeConfig.FIELDS_UNREADABLE, "null"),
        nullable, 2);
    GenericRecord expected = PaymentFixtures.generic(0);
    expected.put("nickname", null);
    assertEquals(expected, nulled.get(0));
    assertEquals(PaymentFixtures.generic(1), nulled.get(1), "record 1 has no nickname at all");
  }

  @Test
  void recordModeAndFieldModeOnOneTopicReadByOneReader() {
    String topic = Fixtures.unique("payments-mixed");
    KAFKA.broker().createTopic(topic, 1);
    Fixtures.sendAndReadRaw(KAFKA.broker(), envelope, SER, topic, 2, PaymentFixtures::generic,
        SECRET);
    try (var p = Fixtures.<Object>newProducer(KAFKA.broker(), fieldMode(), SER)) {
      p.send(new ProducerRecord<>(topic, "k2", PaymentFixtures.payment(2)));
      p.send(new ProducerRecord<>(topic, "k3", PaymentFixtures.generic(3)));
      p.flush();
    }
    Map<String, Object> reader = with(fieldMode(), AvroSerdeConfig.SPECIFIC_CLASS,
        Payment.class.getName());
    reader.remove(EnvelopeConfig.MODE);
    List<Payment> got = consume(with(reader, AvroSerdeConfig.WRITER_SCHEMAS, V1_FILE), topic, 4);
    for (int i = 0; i < 4; i++) {
      assertEquals(PaymentFixtures.payment(i), got.get(i), "record " + i);
    }
  }

  private static int count(Headers headers, String name) {
    int n = 0;
    for (org.apache.kafka.common.header.Header h : headers.headers(name)) {
      n++;
    }
    return n;
  }

  private static byte[] bytes(ByteBuffer b) {
    ByteBuffer d = b.duplicate();
    byte[] out = new byte[d.remaining()];
    d.get(out);
    return out;
  }

  private static int indexOf(byte[] hay, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= hay.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (hay[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
