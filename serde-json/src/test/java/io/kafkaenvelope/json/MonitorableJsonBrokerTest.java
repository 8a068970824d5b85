package io.kafkaenvelope.json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkaenvelope.testing.KafkaExtension;
import io.kafkaenvelope.testing.MonitorableScenario;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 17: the JSON serdes' KIP-877 variants report through the clients' own metrics (group
 * {@code plugins}, the client's tags) through a real broker, on the kafka-clients this module
 * is built with (4.1+), and keep their format's behaviour ({@link MonitorableScenario}).
 */
class MonitorableJsonBrokerTest {

  @RegisterExtension static final KafkaExtension KAFKA = new KafkaExtension();

  @Test
  void theMetricsAppearAmongTheProducersAndConsumersOwn() {
    Map<String, Object> envelope = Fixtures.envelope();
    Map<String, Object> reader = new HashMap<>(envelope);
    // no type: read as Jackson trees
    List<Object> values = MonitorableScenario.run(KAFKA.broker(), "monitorable-json", envelope,
        MonitorableEncryptingJsonSerializer.class.getName(),
        i -> Fixtures.v1("o-" + i, 100L + i), reader,
        MonitorableDecryptingJsonDeserializer.class.getName());
    assertTrue(values.stream().allMatch(
        v -> v instanceof com.fasterxml.jackson.databind.JsonNode), "decoded as JSON");
  }

  /** The KIP-877 variants take the same field format as the plain classes (field mode works). */
  @Test
  void theVariantsEncryptAndOpenFieldsAsThePlainClassesDo() {
    Map<String, Object> settings = new HashMap<>(Fixtures.envelope());
    settings.put("envelope.mode", "field");
    settings.put("envelope.fields", "note");
    settings.put(JsonSerdeConfig.TYPE, OrderV1.class.getName());
    OrderV1 order = Fixtures.v1("o-1", 100L);
    try (MonitorableEncryptingJsonSerializer<OrderV1> s =
            new MonitorableEncryptingJsonSerializer<>();
        MonitorableDecryptingJsonDeserializer<OrderV1> d =
            new MonitorableDecryptingJsonDeserializer<>()) {
      s.configure(settings, false);
      d.configure(settings, false);
      Headers headers = new RecordHeaders();
      byte[] sealed = s.serialize("orders", headers, order);
      String json = new String(sealed, StandardCharsets.UTF_8);
      assertFalse(json.contains(Fixtures.MARKER), "the note is encrypted");
      assertTrue(json.contains("\"o-1\""), "the other fields stay readable");
      assertEquals(order, d.deserialize("orders", headers, sealed));
    }
  }
}
