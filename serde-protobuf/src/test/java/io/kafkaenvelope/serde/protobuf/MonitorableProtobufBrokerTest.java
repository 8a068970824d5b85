package io.kafkaenvelope.serde.protobuf;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkaenvelope.serde.protobuf.test.v1.Order;
import io.kafkaenvelope.testing.KafkaExtension;
import io.kafkaenvelope.testing.MonitorableScenario;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 17: the Protobuf serdes' KIP-877 variants report through the clients' own metrics (group
 * {@code plugins}, the client's tags) through a real broker, on the kafka-clients this module
 * is built with (4.1+), and keep their format's behaviour ({@link MonitorableScenario}).
 */
class MonitorableProtobufBrokerTest {

  @RegisterExtension static final KafkaExtension KAFKA = new KafkaExtension();

  @Test
  void theMetricsAppearAmongTheProducersAndConsumersOwn() {
    Map<String, Object> envelope = Fixtures.envelope();
    Map<String, Object> reader = new HashMap<>(envelope);
    reader.put(ProtobufSerdeConfig.MESSAGE_CLASS, Order.class.getName());
    List<Object> values = MonitorableScenario.run(KAFKA.broker(), "monitorable-proto", envelope,
        MonitorableEncryptingProtobufSerializer.class.getName(),
        i -> Fixtures.v1("o-" + i, i), reader,
        MonitorableDecryptingProtobufDeserializer.class.getName());
    assertTrue(values.stream().allMatch(
        v -> v instanceof Order), "decoded as Protobuf");
  }
}
