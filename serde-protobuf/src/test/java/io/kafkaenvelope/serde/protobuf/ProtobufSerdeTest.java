package io.kafkaenvelope.serde.protobuf;

import static io.kafkaenvelope.serde.protobuf.Fixtures.MARKER;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Any;
import com.google.protobuf.DynamicMessage;
import io.kafkaenvelope.serde.protobuf.ProtobufSerdeConfig.Encoding;
import io.kafkaenvelope.serde.protobuf.test.v1.Order;
import io.kafkaenvelope.serde.protobuf.test.v1.Refund;
import io.kafkaenvelope.serde.protobuf.test.v1.Status;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

/** The registry-less Protobuf serde on its own (no encryption, no broker). */
class ProtobufSerdeTest {

  private static final io.kafkaenvelope.serde.protobuf.test.v2.Order V2_DEFAULT =
      io.kafkaenvelope.serde.protobuf.test.v2.Order.getDefaultInstance();

  private static <T extends com.google.protobuf.Message> ProtobufDeserializer<T> deserializer(
      Map<String, Object> configs) {
    ProtobufDeserializer<T> d = new ProtobufDeserializer<>();
    d.configure(configs, false);
    return d;
  }

  private static ProtobufSerializer<com.google.protobuf.Message> serializer(String encoding) {
    ProtobufSerializer<com.google.protobuf.Message> s = new ProtobufSerializer<>();
    s.configure(encoding == null ? Map.of() : Map.of(ProtobufSerdeConfig.ENCODING, encoding),
        false);
    return s;
  }

  @Test
  void defaultEncodingIsAGoogleProtobufAnyThatProtobufItselfReads() throws Exception {
    Order order = Fixtures.v1("o-1", 4);
    byte[] bytes = serializer(null).serialize("t", order);
    // independent check: protobuf's own Any
    Any any = Any.parseFrom(bytes);
    assertEquals("type.googleapis.com/kafkaenvelope.test.Order", any.getTypeUrl());
    assertEquals(order, any.unpack(Order.class));
    ProtobufDeserializer<Order> d = deserializer(Map.of(ProtobufSerdeConfig.MESSAGE_CLASS,
        Order.class.getName()));
    Order back = d.deserialize("t", bytes);
    assertEquals(order, back);
    // every kind of field came through
    assertEquals("Bern", back.getCustomer().getAddress().getCity());
    assertEquals(2, back.getItemsCount());
    assertEquals(MARKER + " attribute", back.getAttributesMap().get("secret"));
    assertEquals(Order.PaymentCase.CARD, back.getPaymentCase());
    assertEquals(Status.STATUS_PLACED, back.getStatus());
    Order odd = d.deserialize("t", serializer("any").serialize("t", Fixtures.v1("o-2", 3)));
    assertEquals(Order.PaymentCase.IBAN, odd.getPaymentCase());
  }

  @Test
  void messageEncodingIsTheBareMessageBytes() {
    Order order = Fixtures.v1("o-1", 2);
    byte[] bytes = serializer("MESSAGE").serialize("t", order);
    assertArrayEquals(order.toByteArray(), bytes);
    ProtobufDeserializer<Order> d = deserializer(Map.of(ProtobufSerdeConfig.MESSAGE_CLASS,
        Order.class, ProtobufSerdeConfig.ENCODING, "message"));
    assertEquals(order, d.deserialize("t", bytes));
  }

  @Test
  void evolutionBothWays() {
    for (String encoding : new String[] {"any", "message"}) {
      ProtobufDeserializer<io.kafkaenvelope.serde.protobuf.test.v2.Order> v2 = deserializer(Map.of(
          ProtobufSerdeConfig.MESSAGE_CLASS, V2_DEFAULT.getClass(),
          ProtobufSerdeConfig.ENCODING, encoding));
      ProtobufDeserializer<Order> v1 = deserializer(Map.of(
          ProtobufSerdeConfig.MESSAGE_CLASS, Order.class, ProtobufSerdeConfig.ENCODING, encoding));
      ProtobufSerializer<com.google.protobuf.Message> s = serializer(encoding);
      // old writer, new reader: the added field reads as its default
      io.kafkaenvelope.serde.protobuf.test.v2.Order fromOld =
          v2.deserialize("t", s.serialize("t", Fixtures.v1("a", 1)));
      assertEquals("", fromOld.getCurrency());
      assertEquals("a", fromOld.getId());
      assertEquals(MARKER + " street", fromOld.getCustomer().getAddress().getStreet());
      // new writer, old reader: the known fields read, the added one is kept as unknown
      Order fromNew = v1.deserialize("t", s.serialize("t", Fixtures.v2("b", 2, "CHF")));
      assertEquals(Fixtures.v1("b", 2).getNote(), fromNew.getNote());
      assertEquals(Fixtures.v1("b", 2).getAttributesMap(), fromNew.getAttributesMap());
      assertTrue(fromNew.getUnknownFields().hasField(10), encoding);
      // ... and survives the old reader passing it on
      assertEquals("CHF", v2.deserialize("t", s.serialize("t", fromNew)).getCurrency());
    }
  }

  @Test
  void aRecordOfAnotherMessageTypeIsRefusedNamingBothTypes() {
    ProtobufDeserializer<Order> d = deserializer(Map.of(ProtobufSerdeConfig.MESSAGE_CLASS,
        Order.class.getName()));
    byte[] refund = serializer(null).serialize("t", Fixtures.refund("x"));
    SerializationException e = assertThrows(SerializationException.class,
        () -> d.deserialize("t", refund));
    assertTrue(e.getMessage().contains("'kafkaenvelope.test.Refund'"), e.getMessage());
    assertTrue(e.getMessage().contains("'kafkaenvelope.test.Order'"), e.getMessage());
    assertTrue(e.getMessage().contains(ProtobufSerdeConfig.MESSAGE_CLASS), e.getMessage());
    assertFalse(e.getMessage().contains(MARKER));
    // bare message bytes read by an 'any' reader: refused too (no type URL matches)
    byte[] bare = serializer("message").serialize("t", Fixtures.v1("y", 1));
    assertThrows(SerializationException.class, () -> d.deserialize("t", bare));
    // and the reverse: an Order reader refuses a Refund, a Refund reader an Order
    ProtobufDeserializer<Refund> r = deserializer(Map.of(ProtobufSerdeConfig.MESSAGE_CLASS,
        Refund.class.getName()));
    assertThrows(SerializationException.class,
        () -> r.deserialize("t", serializer(null).serialize("t", Fixtures.v1("z", 2))));
  }

  @Test
  void bytesThatDoNotParseAreRefused() {
    ProtobufDeserializer<Order> any = deserializer(Map.of(ProtobufSerdeConfig.MESSAGE_CLASS,
        Order.class.getName()));
    ProtobufDeserializer<Order> bare = deserializer(Map.of(ProtobufSerdeConfig.MESSAGE_CLASS,
        Order.class.getName(), ProtobufSerdeConfig.ENCODING, "message"));
    byte[] good = serializer(null).serialize("t", Fixtures.v1("x", 1));
    byte[][] bad = {
        new byte[0], {(byte) 0xFF}, "{\"id\":1}".getBytes(),
        Arrays.copyOf(good, good.length / 2), // truncated
        {0x0A, 0x7F, 0x01}};
    for (byte[] b : bad) {
      SerializationException e = assertThrows(SerializationException.class,
          () -> any.deserialize("t", b));
      assertFalse(e.getMessage().contains(MARKER));
    }
    byte[] truncated = Arrays.copyOf(Fixtures.v1("x", 1).toByteArray(), 20);
    assertThrows(SerializationException.class, () -> bare.deserialize("t", truncated));
  }

  @Test
  void nullStaysNullAndNonMessagesAreRefused() {
    @SuppressWarnings({"unchecked", "rawtypes"})
    ProtobufSerializer<com.google.protobuf.Message> s = (ProtobufSerializer) serializer(null);
    assertNull(s.serialize("t", null));
    assertNull(deserializer(Map.of(ProtobufSerdeConfig.MESSAGE_CLASS, Order.class))
        .deserialize("t", null));
    @SuppressWarnings({"unchecked", "rawtypes"})
    org.apache.kafka.common.serialization.Serializer<Object> raw = (ProtobufSerializer) s;
    SerializationException e = assertThrows(SerializationException.class,
        () -> raw.serialize("t", MARKER));
    assertFalse(e.getMessage().contains(MARKER));
    assertTrue(e.getMessage().contains("java.lang.String"));
  }

  @Test
  void configurationErrorsNameTheSetting() {
    ConfigException missing = assertThrows(ConfigException.class,
        () -> deserializer(new HashMap<>()));
    assertTrue(missing.getMessage().contains(ProtobufSerdeConfig.MESSAGE_CLASS));
    for (Object wrong : new Object[] {"com.example.NoSuchOrder", String.class,
        DynamicMessage.class, "io.kafkaenvelope.serde.protobuf.test.v1.OrderOrBuilder"}) {
      ConfigException e = assertThrows(ConfigException.class, () -> deserializer(
          Map.of(ProtobufSerdeConfig.MESSAGE_CLASS, wrong)), String.valueOf(wrong));
      assertTrue(e.getMessage().contains(ProtobufSerdeConfig.MESSAGE_CLASS), e.getMessage());
    }
    ConfigException enc = assertThrows(ConfigException.class, () -> serializer("json"));
    assertTrue(enc.getMessage().contains(ProtobufSerdeConfig.ENCODING), enc.getMessage());
    ConfigException key = assertThrows(ConfigException.class,
        () -> new ProtobufDeserializer<Order>().configure(Map.of(), true));
    assertTrue(key.getMessage().contains("envelope.key.protobuf.message.class"));
  }

  @Test
  void keyRoleTakesEnvelopeKeyOverrides() {
    Map<String, Object> c = new HashMap<>();
    c.put(ProtobufSerdeConfig.MESSAGE_CLASS, Order.class.getName());
    c.put("envelope.key.protobuf.message.class", Refund.class.getName());
    c.put("envelope.key.protobuf.encoding", "message");
    ProtobufDeserializer<Refund> key = new ProtobufDeserializer<>();
    key.configure(c, true);
    ProtobufSerializer<Refund> keySerializer = new ProtobufSerializer<>();
    keySerializer.configure(c, true);
    Refund refund = Fixtures.refund("k");
    byte[] bytes = keySerializer.serialize("t", refund);
    assertArrayEquals(refund.toByteArray(), bytes);
    assertEquals(refund, key.deserialize("t", bytes));
  }

  @Test
  void constructorsFixTheSettings() {
    ProtobufDeserializer<Order> d = new ProtobufDeserializer<>(Order.class, Encoding.MESSAGE);
    d.configure(Map.of(ProtobufSerdeConfig.MESSAGE_CLASS, Refund.class), false);
    ProtobufSerializer<Order> s = new ProtobufSerializer<>(Encoding.MESSAGE);
    s.configure(Map.of(ProtobufSerdeConfig.ENCODING, "any"), false);
    Order o = Fixtures.v1("c", 1);
    byte[] bytes = s.serialize("t", o);
    assertArrayEquals(o.toByteArray(), bytes);
    assertEquals(o, d.deserialize("t", bytes));
  }

  @Test
  void sharedInstancesAreThreadSafe() throws Exception {
    ProtobufSerializer<com.google.protobuf.Message> s = serializer(null);
    ProtobufDeserializer<io.kafkaenvelope.serde.protobuf.test.v2.Order> d = deserializer(Map.of(
        ProtobufSerdeConfig.MESSAGE_CLASS, V2_DEFAULT.getClass()));
    java.util.concurrent.ExecutorService pool =
        java.util.concurrent.Executors.newFixedThreadPool(8);
    try {
      java.util.List<java.util.concurrent.Future<Integer>> results = new java.util.ArrayList<>();
      for (int t = 0; t < 8; t++) {
        int thread = t;
        results.add(pool.submit(() -> {
          int ok = 0;
          for (int i = 0; i < 500; i++) {
            String id = thread + "-" + i;
            com.google.protobuf.Message m = i % 2 == 0 ? Fixtures.v1(id, i)
                : Fixtures.v2(id, i, "USD");
            io.kafkaenvelope.serde.protobuf.test.v2.Order back =
                d.deserialize("t", s.serialize("t", m));
            if (back.getId().equals(id) && back.getAmountCents() == 100L + i
                && back.getCurrency().equals(i % 2 == 0 ? "" : "USD")) {
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

  @Test
  void serdeForStreams() {
    try (ProtobufSerde<Order> serde = new ProtobufSerde<>()) {
      serde.configure(Map.of(ProtobufSerdeConfig.MESSAGE_CLASS, Order.class), false);
      Order o = Fixtures.v1("s", 5);
      assertEquals(o, serde.deserializer().deserialize("t", serde.serializer().serialize("t", o)));
    }
  }
}
