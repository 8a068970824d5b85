package io.kafkaenvelope.json;

import static io.kafkaenvelope.json.internal.Shapes.MARK;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.kafkaenvelope.internal.wire.WireFormat;
import io.kafkaenvelope.json.internal.Shapes;
import io.kafkaenvelope.kms.memory.InMemoryKms;
import io.kafkaenvelope.serde.EnvelopeException;
import io.kafkaenvelope.testing.KafkaExtension;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Field-level encryption of JSON (envelope.mode=field) through the real embedded broker: POJOs and
 * trees with every JSON value type round-trip exactly; the broker holds no plaintext of the
 * encrypted fields and the clear ones unchanged; tampered, moved and copied ciphertexts are
 * refused; readers with different KEK access see what their keys allow; record and field mode
 * share a topic and one reader.
 */
class FieldLevelBrokerTest {

  @RegisterExtension static final KafkaExtension KAFKA = new KafkaExtension();

  private static final ObjectMapper PLAIN = JsonMapper.builder().build();
  /** Every field of Shapes.Order that holds the marker, and every other JSON value type. */
  private static final String ALL = "id,qty,big,price,ratio,amount,huge,paid,missing,customer,"
      + "lines[].address,attrs[],scores,contacts[].ssn,codes";

  /** What customer.ssn and customer.email hold (other fields carry the marker too). */
  private static final String[] SECRETS = {MARK + "-ssn-", "@example.com"};

  private final Map<String, Object> envelope = Fixtures.envelope();

  private Map<String, Object> fieldMode(String fields) {
    Map<String, Object> m = new HashMap<>(envelope);
    m.put("envelope.mode", "field");
    m.put("envelope.fields", fields);
    return m;
  }

  private Map<String, Object> reader(Class<?> type) {
    Map<String, Object> m = new HashMap<>(envelope);
    if (type != null) {
      m.put(JsonSerdeConfig.TYPE, type.getName());
    }
    return m;
  }

  private static <V> List<ConsumerRecord<String, V>> read(Map<String, Object> settings,
      String topic, int n) {
    try (KafkaConsumer<String, V> c = Fixtures.newConsumer(KAFKA.broker(), settings,
        DecryptingJsonDeserializer.class.getName())) {
      return Fixtures.drain(c, topic, n);
    }
  }

  private static JsonNode tree(byte[] json) throws Exception {
    return PLAIN.readTree(json);
  }

  @Test
  void pojosWithEveryValueTypeRoundTripAndTheBrokerHoldsOnlyTheClearFields() throws Exception {
    String topic = Fixtures.unique("orders-fields");
    KAFKA.broker().createTopic(topic, 1);
    int n = 3;
    List<ConsumerRecord<byte[], byte[]>> stored = Fixtures.sendAndReadRaw(KAFKA.broker(),
        fieldMode(ALL), EncryptingJsonSerializer.class.getName(), topic, n, Shapes::order, MARK);
    for (ConsumerRecord<byte[], byte[]> r : stored) {
      assertNull(r.headers().lastHeader(WireFormat.VALUE_HEADER), "no record envelope");
      assertNotNull(r.headers().lastHeader(WireFormat.VALUE_HEADER
          + WireFormat.FIELDS_HEADER_SUFFIX), "a field envelope header");
      int i = Integer.parseInt(new String(r.key()).substring(1));
      JsonNode wire = tree(r.value());
      JsonNode clear = PLAIN.valueToTree(Shapes.order(i));
      for (String f : List.of("id", "qty", "big", "price", "ratio", "amount", "huge", "paid",
          "missing", "customer", "scores", "codes")) {
        assertTrue(wire.get(f).isTextual(), f + " is a base64 string on the wire");
        Base64.getDecoder().decode(wire.get(f).textValue());
      }
      for (int l = 0; l < 2; l++) {
        assertTrue(wire.at("/lines/" + l + "/address").isTextual());
        assertEquals(clear.at("/lines/" + l + "/sku"), wire.at("/lines/" + l + "/sku"));
        assertEquals(clear.at("/lines/" + l + "/qty"), wire.at("/lines/" + l + "/qty"));
      }
      assertEquals(clear.at("/contacts/boss/email"), wire.at("/contacts/boss/email"));
      assertEquals(clear.at("/contacts/boss/age"), wire.at("/contacts/boss/age"));
      assertTrue(wire.at("/contacts/boss/ssn").isTextual());
      assertEquals(2, wire.get("attrs").size(), "map keys stay, values are encrypted");
    }
    for (ConsumerRecord<String, Shapes.Order> r
        : FieldLevelBrokerTest.<Shapes.Order>read(reader(Shapes.Order.class), topic, n)) {
      assertEquals(Shapes.order(Integer.parseInt(r.key().substring(1))), r.value());
    }
    for (ConsumerRecord<String, JsonNode> r
        : FieldLevelBrokerTest.<JsonNode>read(reader(null), topic, n)) {
      int i = Integer.parseInt(r.key().substring(1));
      assertEquals(tree(PLAIN.writeValueAsBytes(Shapes.order(i))), r.value(),
          "a tree reader gets what the same JSON in the clear reads as");
    }
  }

  @Test
  void jsonNodesWithEveryValueTypeRoundTripExactly() throws Exception {
    String topic = Fixtures.unique("trees-fields");
    KAFKA.broker().createTopic(topic, 1);
    Function<Integer, JsonNode> record = i -> {
      try {
        return PLAIN.readTree("{\"s\":\"" + MARK + i + "\",\"i\":" + i + ",\"l\":900719925474099"
            + i + ",\"d\":0.30000000000000004,\"dec\":1.50,\"big\":12345678901234567890123,"
            + "\"t\":true,\"n\":null,\"o\":{\"z\":\"" + MARK + "\",\"a\":[1,{\"b\":null}]},"
            + "\"arr\":[\"" + MARK + "\",2.5],\"m\":{\"k\":\"" + MARK + "\",\"j\":{}},"
            + "\"clear\":\"c" + i + "\"}");
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    };
    List<ConsumerRecord<byte[], byte[]>> stored = Fixtures.sendAndReadRaw(KAFKA.broker(),
        fieldMode("s,i,l,d,dec,big,t,n,o,arr,m[]"), EncryptingJsonSerializer.class.getName(),
        topic, 3, record::apply, MARK);
    for (ConsumerRecord<byte[], byte[]> r : stored) {
      int i = Integer.parseInt(new String(r.key()).substring(1));
      assertEquals("c" + i, tree(r.value()).get("clear").textValue());
      assertTrue(tree(r.value()).get("n").isTextual(), "a null is encrypted like any value");
    }
    for (ConsumerRecord<String, JsonNode> r
        : FieldLevelBrokerTest.<JsonNode>read(reader(null), topic, 3)) {
      assertEquals(record.apply(Integer.parseInt(r.key().substring(1))), r.value());
    }
  }

  @Test
  void fieldsChosenByTheJsonSchemaKeywordAndConfluentTags() throws Exception {
    String topic = Fixtures.unique("schema-fields");
    KAFKA.broker().createTopic(topic, 1);
    Map<String, Object> p = fieldMode("");
    p.put(JsonSerdeConfig.SCHEMA, "classpath:json/fields.schema.json");
    p.put("envelope.fields.tags", "PII");
    List<ConsumerRecord<byte[], byte[]>> stored = Fixtures.sendAndReadRaw(KAFKA.broker(), p,
        EncryptingJsonSerializer.class.getName(), topic, 2, Shapes::order, MARK + "-ssn-",
        "@example.com", MARK + " street", MARK + " road");
    JsonNode wire = tree(stored.get(0).value());
    assertTrue(wire.at("/customer/ssn").isTextual());
    assertTrue(wire.at("/customer/email").isTextual());
    assertTrue(wire.at("/attrs/colour").textValue().contains(MARK), "tag INTERNAL not chosen");
    for (ConsumerRecord<String, Shapes.Order> r
        : FieldLevelBrokerTest.<Shapes.Order>read(reader(Shapes.Order.class), topic, 2)) {
      assertEquals(Shapes.order(Integer.parseInt(r.key().substring(1))), r.value());
    }
  }

  @Test
  void aPatternThePojoTypeLacksFailsConfigure() {
    Map<String, Object> p = fieldMode("customer.sn");
    p.put(JsonSerdeConfig.TYPE, Shapes.Order.class.getName());
    try (EncryptingJsonSerializer<Object> s = new EncryptingJsonSerializer<>()) {
      ConfigException e = assertThrows(ConfigException.class, () -> s.configure(p, false));
      assertTrue(e.getMessage().contains("envelope.fields"), e.getMessage());
      assertTrue(e.getMessage().contains("customer.sn"), e.getMessage());
    }
  }

  /** One field-mode record (order {@code i}) as the broker stores it. */
  private ConsumerRecord<byte[], byte[]> storedOne(String topic, Map<String, Object> settings,
      int i) {
    KAFKA.broker().createTopic(topic, 1);
    return Fixtures.sendAndReadRaw(KAFKA.broker(), settings,
        EncryptingJsonSerializer.class.getName(), topic, 1, x -> Shapes.order(i),
        SECRETS).get(0);
  }

  private DecryptingJsonDeserializer<Object> deserializer(Map<String, Object> settings) {
    DecryptingJsonDeserializer<Object> d = new DecryptingJsonDeserializer<>();
    d.configure(settings, false);
    return d;
  }

  private static Headers copy(Headers h) {
    return new RecordHeaders(h.toArray());
  }

  private static byte[] with(byte[] json, String pointer, String field, String value)
      throws Exception {
    ObjectNode root = (ObjectNode) tree(json);
    ObjectNode parent = pointer.isEmpty() ? root : (ObjectNode) root.at(pointer);
    parent.set(field, TextNode.valueOf(value));
    return PLAIN.writeValueAsBytes(root);
  }

  @Test
  void everySingleByteChangeOfAFieldCiphertextIsRefused() throws Exception {
    String topic = Fixtures.unique("tamper-fields");
    Map<String, Object> p = fieldMode("customer.ssn,customer.email");
    p.put("envelope.fields.mode.customer.email", "deterministic");
    ConsumerRecord<byte[], byte[]> r = storedOne(topic, p, 1);
    byte[] ct = Base64.getDecoder().decode(tree(r.value()).at("/customer/ssn").textValue());
    try (DecryptingJsonDeserializer<Object> d = deserializer(reader(Shapes.Order.class))) {
      assertEquals(Shapes.order(1).customer(),
          ((Shapes.Order) d.deserialize(topic, copy(r.headers()), r.value())).customer());
      int refused = 0;
      for (String field : List.of("ssn", "email")) { // random and deterministic
        byte[] sealed = Base64.getDecoder().decode(tree(r.value()).at("/customer/" + field)
            .textValue());
        for (int i = 0; i < sealed.length; i++) {
          byte[] bad = sealed.clone();
          bad[i] ^= 0x01;
          byte[] value = with(r.value(), "/customer", field,
              Base64.getEncoder().encodeToString(bad));
          EnvelopeException e = assertThrows(EnvelopeException.class,
              () -> d.deserialize(topic, copy(r.headers()), value), field + " byte " + i);
          assertFalse(e.getMessage().contains(MARK));
          refused++;
        }
      }
      assertTrue(refused > ct.length, "both fields' bytes: " + refused);
    }
    // and through a consumer: the tampered copy, appended to the topic, is refused by poll()
    byte[] bad = ct.clone();
    bad[bad.length - 1] ^= 0x01;
    Fixtures.sendRaw(KAFKA.broker(), List.of(new ProducerRecord<>(topic, null, r.key(),
        with(r.value(), "/customer", "ssn", Base64.getEncoder().encodeToString(bad)),
        copy(r.headers()))));
    try (KafkaConsumer<String, Object> c = Fixtures.newConsumer(KAFKA.broker(),
        reader(Shapes.Order.class), DecryptingJsonDeserializer.class.getName())) {
      List<Object> before = Fixtures.assertRefused(c, topic, 1, "TAMPERED", MARK, topic);
      assertEquals(List.of(Shapes.order(1)), before, "the genuine record before it is read");
    }
  }

  @Test
  void aCiphertextCopiedToAnotherFieldRecordOrTopicIsRefused() throws Exception {
    String topic = Fixtures.unique("moved-fields");
    KAFKA.broker().createTopic(topic, 1);
    List<ConsumerRecord<byte[], byte[]>> stored = Fixtures.sendAndReadRaw(KAFKA.broker(),
        fieldMode("customer.ssn,customer.email"), EncryptingJsonSerializer.class.getName(),
        topic, 2, Shapes::order, SECRETS);
    ConsumerRecord<byte[], byte[]> a = stored.get(0);
    ConsumerRecord<byte[], byte[]> b = stored.get(1);
    String aSsn = tree(a.value()).at("/customer/ssn").textValue();
    String aEmail = tree(a.value()).at("/customer/email").textValue();
    try (DecryptingJsonDeserializer<Object> d = deserializer(reader(Shapes.Order.class))) {
      // to another field of the same record
      assertThrows(EnvelopeException.class, () -> d.deserialize(topic, copy(a.headers()),
          with(a.value(), "/customer", "email", aSsn)));
      // to the same field of another record
      assertThrows(EnvelopeException.class, () -> d.deserialize(topic, copy(b.headers()),
          with(b.value(), "/customer", "ssn", aSsn)));
      // the whole record to another topic
      String other = Fixtures.unique("moved-fields-other");
      assertThrows(EnvelopeException.class, () -> d.deserialize(other, copy(a.headers()),
          a.value()));
      assertNotEquals(aSsn, aEmail);
    }
    String other = Fixtures.unique("moved-fields-copy");
    KAFKA.broker().createTopic(other, 1);
    Fixtures.sendRaw(KAFKA.broker(), List.of(new ProducerRecord<>(other, null, a.key(),
        a.value(), copy(a.headers()))));
    try (KafkaConsumer<String, Object> c = Fixtures.newConsumer(KAFKA.broker(),
        reader(Shapes.Order.class), DecryptingJsonDeserializer.class.getName())) {
      Fixtures.assertRefused(c, other, 0, "TOPIC_MISMATCH", MARK, other);
    }
  }

  @Test
  void readersWithDifferentKekAccessSeeWhatTheirKeysAllow() throws Exception {
    String topic = Fixtures.unique("teams-fields");
    KAFKA.broker().createTopic(topic, 1);
    Map<String, Object> p = fieldMode("customer.ssn,customer.email,lines[].address");
    p.put("envelope.fields.kek.customer.ssn", "json-pii-kek");
    List<ConsumerRecord<byte[], byte[]>> stored = Fixtures.sendAndReadRaw(KAFKA.broker(), p,
        EncryptingJsonSerializer.class.getName(), topic, 2, Shapes::order, SECRETS);
    int fieldHeaders = 0;
    for (var h : stored.get(0).headers().headers(WireFormat.VALUE_HEADER
        + WireFormat.FIELDS_HEADER_SUFFIX)) {
      fieldHeaders++;
    }
    assertEquals(2, fieldHeaders, "one field header per KEK, not per field");
    InMemoryKms kms = InMemoryKms.named((String) envelope.get("envelope.kms.memory.name"));
    assertEquals(2, kms.generateCalls(), "one DEK per KEK for both records and all fields");

    Map<String, Object> full = reader(Shapes.Order.class);
    full.put("envelope.kek.allowed.ids", "json-pii-kek");
    for (ConsumerRecord<String, Shapes.Order> r
        : FieldLevelBrokerTest.<Shapes.Order>read(full, topic, 2)) {
      assertEquals(Shapes.order(Integer.parseInt(r.key().substring(1))), r.value());
    }
    assertEquals(2, kms.unwrapCalls(), "each DEK unwrapped once, for all fields and records");
    Map<String, Object> nulls = reader(Shapes.Order.class);
    nulls.put("envelope.fields.unreadable", "null");
    for (ConsumerRecord<String, Shapes.Order> r
        : FieldLevelBrokerTest.<Shapes.Order>read(nulls, topic, 2)) {
      Shapes.Order o = Shapes.order(Integer.parseInt(r.key().substring(1)));
      assertNull(r.value().customer().ssn(), "no key for the PII KEK: null");
      assertEquals(o.customer().email(), r.value().customer().email(), "the team's KEK");
      assertEquals(o.lines(), r.value().lines());
    }
    // each reader here opens after the previous one closed, so it starts with an empty key cache
    assertEquals(3, kms.unwrapCalls(), "only the DEK of the KEK this reader accepts");
    Map<String, Object> keep = reader(null);
    keep.put("envelope.fields.unreadable", "keep");
    List<ConsumerRecord<String, JsonNode>> kept = read(keep, topic, 2);
    for (ConsumerRecord<String, JsonNode> r : kept) {
      JsonNode wire = tree(stored.stream().filter(s -> new String(s.key()).equals(r.key()))
          .findFirst().orElseThrow().value());
      assertEquals(wire.at("/customer/ssn"), r.value().at("/customer/ssn"), "ciphertext kept");
      assertTrue(r.value().at("/customer/email").textValue().startsWith(MARK));
    }
    assertEquals(4, kms.unwrapCalls());
    try (KafkaConsumer<String, Object> c = Fixtures.newConsumer(KAFKA.broker(),
        reader(Shapes.Order.class), DecryptingJsonDeserializer.class.getName())) {
      Fixtures.assertRefused(c, topic, 0, "KEK_NOT_ALLOWED", MARK, "json-pii-kek");
    }
    assertEquals(4, kms.unwrapCalls(), "no KMS call for a KEK the reader does not accept");
  }

  @Test
  void recordAndFieldModeShareATopicAndOneReader() throws Exception {
    String topic = Fixtures.unique("mixed-fields");
    KAFKA.broker().createTopic(topic, 1);
    List<ProducerRecord<String, Shapes.Order>> sent = new ArrayList<>();
    try (var whole = Fixtures.<Shapes.Order>newProducer(KAFKA.broker(), envelope,
        EncryptingJsonSerializer.class.getName());
        var fields = Fixtures.<Shapes.Order>newProducer(KAFKA.broker(),
            fieldMode("customer,lines[].address"), EncryptingJsonSerializer.class.getName())) {
      for (int i = 0; i < 4; i++) {
        ProducerRecord<String, Shapes.Order> r = new ProducerRecord<>(topic, "k" + i,
            Shapes.order(i));
        (i % 2 == 0 ? whole : fields).send(r).get();
        sent.add(r);
      }
    }
    List<ConsumerRecord<String, Shapes.Order>> got = read(reader(Shapes.Order.class), topic, 4);
    assertEquals(sent.stream().map(ProducerRecord::value).toList(),
        got.stream().map(ConsumerRecord::value).toList());
  }

  @Test
  void theStreamsSerdeWritesFieldModeIntoHeadersAndRefusesToWriteWithoutThem() throws Exception {
    Map<String, Object> c = fieldMode("customer.ssn");
    c.put(JsonSerdeConfig.TYPE, Shapes.Order.class.getName());
    try (EncryptingJsonSerde<Shapes.Order> serde = new EncryptingJsonSerde<>()) {
      serde.configure(c, false);
      Headers headers = new RecordHeaders();
      byte[] wire = serde.serializer().serialize("t", headers, Shapes.order(3));
      assertNotNull(headers.lastHeader(WireFormat.VALUE_HEADER
          + WireFormat.FIELDS_HEADER_SUFFIX));
      assertFalse(Fixtures.contains(wire, MARK + "-ssn-"));
      assertTrue(tree(wire).at("/customer/email").textValue().startsWith(MARK), "clear field");
      assertEquals(Shapes.order(3), serde.deserializer().deserialize("t", headers, wire));
      // a state store passes no headers: refused, never written in the clear
      assertThrows(EnvelopeException.class,
          () -> serde.serializer().serialize("store", Shapes.order(3)));
    }
    // record mode (the default) still frames inline for stores, and reads field-mode records
    Map<String, Object> r = reader(Shapes.Order.class);
    try (EncryptingJsonSerde<Shapes.Order> serde = new EncryptingJsonSerde<>();
        EncryptingJsonSerializer<Shapes.Order> fields = new EncryptingJsonSerializer<>()) {
      serde.configure(r, false);
      byte[] inline = serde.serializer().serialize("store", Shapes.order(4));
      assertFalse(Fixtures.contains(inline, MARK));
      assertEquals(Shapes.order(4), serde.deserializer().deserialize("store", inline));
      fields.configure(fieldMode("customer.ssn"), false);
      Headers headers = new RecordHeaders();
      byte[] wire = fields.serialize("t", headers, Shapes.order(5));
      assertEquals(Shapes.order(5), serde.deserializer().deserialize("t", headers, wire));
    }
  }

  /** A class the application maps with its own naming strategy. */
  record Person(String emailAddress, java.math.BigDecimal creditLimit, int loyaltyPoints) {}

  @Test
  void theApplicationsOwnMapperServesBothSidesOfFieldMode() throws Exception {
    String topic = Fixtures.unique("mapper-fields");
    KAFKA.broker().createTopic(topic, 1);
    ObjectMapper snake = JsonMapper.builder()
        .propertyNamingStrategy(com.fasterxml.jackson.databind.PropertyNamingStrategies.SNAKE_CASE)
        .build();
    Person ann = new Person(MARK + "-ann@example.com", new java.math.BigDecimal("2500.00"), 7);
    try (EncryptingJsonSerializer<Person> s = new EncryptingJsonSerializer<>(snake)) {
      s.configure(fieldMode("email_address,credit_limit"), false);
      try (var p = new org.apache.kafka.clients.producer.KafkaProducer<>(
          Fixtures.producer(KAFKA.broker(), Map.of(), StringSerializer.class.getName()),
          new StringSerializer(), s)) {
        p.send(new ProducerRecord<>(topic, "k0", ann)).get();
      }
    }
    ConsumerRecord<byte[], byte[]> raw;
    try (KafkaConsumer<byte[], byte[]> c = Fixtures.raw(KAFKA.broker())) {
      raw = Fixtures.drain(c, topic, 1).get(0);
    }
    assertFalse(Fixtures.contains(raw.value(), MARK));
    assertEquals(7, tree(raw.value()).get("loyalty_points").intValue(), "the mapper's names");
    try (DecryptingJsonDeserializer<Person> d = new DecryptingJsonDeserializer<>(snake,
        Person.class)) {
      d.configure(reader(null), false);
      assertEquals(ann, d.deserialize(topic, copy(raw.headers()), raw.value()));
    }
  }
}
