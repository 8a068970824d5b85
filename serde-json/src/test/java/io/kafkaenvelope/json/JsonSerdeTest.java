package io.kafkaenvelope.json;

import static io.kafkaenvelope.json.Fixtures.MARKER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

/** The Jackson serdes on their own (no encryption, no broker). */
class JsonSerdeTest {

  private final JsonSerializer<Object> serializer = new JsonSerializer<>();

  private static <T> JsonDeserializer<T> deserializer(Map<String, Object> configs, boolean isKey) {
    JsonDeserializer<T> d = new JsonDeserializer<>();
    d.configure(configs, isKey);
    return d;
  }

  @Test
  void pojoRoundTripAndPlainJsonOnTheWire() {
    byte[] bytes = serializer.serialize("t", Fixtures.v1("o-1", 12));
    assertEquals("{\"id\":\"o-1\",\"amountCents\":12,\"note\":\"" + MARKER + " note o-1\"}",
        new String(bytes, StandardCharsets.UTF_8));
    JsonDeserializer<OrderV1> d = deserializer(Map.of(JsonSerdeConfig.TYPE, OrderV1.class), false);
    assertEquals(Fixtures.v1("o-1", 12), d.deserialize("t", bytes));
  }

  @Test
  void jsonNodeByDefaultBothWays() {
    JsonDeserializer<JsonNode> d = deserializer(Map.of(), false);
    JsonNode tree = d.deserialize("t", serializer.serialize("t", Fixtures.v1("n", 3)));
    assertInstanceOf(ObjectNode.class, tree);
    assertEquals(3, tree.get("amountCents").asLong());
    ((ObjectNode) tree).put("extra", true);
    assertTrue(d.deserialize("t", serializer.serialize("t", tree)).get("extra").asBoolean());
  }

  @Test
  void evolutionV1ReadAsV2GetsTheDefaultAndV2ReadAsV1DropsTheNewField() {
    JsonDeserializer<OrderV2> asV2 =
        deserializer(Map.of(JsonSerdeConfig.TYPE, OrderV2.class.getName()), false);
    OrderV2 up = asV2.deserialize("t", serializer.serialize("t", Fixtures.v1("e", 5)));
    assertEquals("EUR", up.currency);
    assertEquals(5, up.amountCents);
    JsonDeserializer<OrderV1> asV1 =
        deserializer(Map.of(JsonSerdeConfig.TYPE, OrderV1.class), false);
    OrderV1 down = asV1.deserialize("t",
        serializer.serialize("t", new OrderV2("e", 5, "n", "CHF")));
    assertEquals(new OrderV1("e", 5, "n"), down);
  }

  @Test
  void strictReaderRefusesUnknownPropertiesWithoutEchoingContent() {
    JsonDeserializer<OrderV1> strict = deserializer(Map.of(JsonSerdeConfig.TYPE, OrderV1.class,
        JsonSerdeConfig.FAIL_ON_UNKNOWN_PROPERTIES, true), false);
    byte[] v2 = serializer.serialize("t", new OrderV2("s", 1, MARKER, MARKER));
    SerializationException e = assertThrows(SerializationException.class,
        () -> strict.deserialize("t", v2));
    assertFalse(e.getMessage().contains(MARKER), e.getMessage());
    assertFalse(e.getMessage().contains("currency"), "no property names either: " + e.getMessage());
  }

  @Test
  void invalidJsonIsRefusedWithAPositionNotTheContent() {
    JsonDeserializer<JsonNode> d = deserializer(Map.of(), false);
    for (String bad : new String[] {MARKER, "{\"a\":" + MARKER, "{\"id\": \"" + MARKER}) {
      SerializationException e = assertThrows(SerializationException.class,
          () -> d.deserialize("t", bad.getBytes(StandardCharsets.UTF_8)));
      assertFalse(e.getMessage().contains(MARKER), e.getMessage());
      assertTrue(e.getMessage().contains("line"), e.getMessage());
    }
    JsonDeserializer<OrderV1> typed =
        deserializer(Map.of(JsonSerdeConfig.TYPE, OrderV1.class), false);
    assertThrows(SerializationException.class,
        () -> typed.deserialize("t", "{\"amountCents\":\"not a number\"}".getBytes()));
  }

  @Test
  void unwritableValueIsRefusedNamingOnlyTheType() {
    Object selfRef = new Object() {
      @SuppressWarnings("unused")
      public Object getSelf() {
        return this;
      }
    };
    SerializationException e = assertThrows(SerializationException.class,
        () -> serializer.serialize("t", selfRef));
    assertTrue(e.getMessage().contains("as JSON"));
  }

  @Test
  void nullsAndConfigErrors() {
    assertNull(serializer.serialize("t", null));
    assertNull(deserializer(Map.of(), false).deserialize("t", null));
    assertThrows(ConfigException.class,
        () -> deserializer(Map.of(JsonSerdeConfig.TYPE, "no.such.Type"), false));
  }

  @Test
  void keyRoleTakesEnvelopeKeyOverrides() {
    Map<String, Object> c = new HashMap<>();
    c.put(JsonSerdeConfig.TYPE, OrderV2.class);
    c.put("envelope.key.json.type", OrderV1.class.getName());
    byte[] bytes = serializer.serialize("t", Fixtures.v1("k", 1));
    assertInstanceOf(OrderV1.class, deserializer(c, true).deserialize("t", bytes));
    assertInstanceOf(OrderV2.class, deserializer(c, false).deserialize("t", bytes));
  }

  @Test
  void givenTypeAndMapperWinOverConfiguration() {
    JsonDeserializer<OrderV2> d =
        new JsonDeserializer<>(JsonMapper.builder().build(), OrderV2.class);
    d.configure(Map.of(JsonSerdeConfig.TYPE, OrderV1.class), false);
    assertInstanceOf(OrderV2.class, d.deserialize("t", serializer.serialize("t", new OrderV2())));
    try (JsonSerde<OrderV1> serde = new JsonSerde<>(OrderV1.class)) {
      assertEquals(Fixtures.v1("s", 2), serde.deserializer().deserialize("t",
          serde.serializer().serialize("t", Fixtures.v1("s", 2))));
    }
  }
}
