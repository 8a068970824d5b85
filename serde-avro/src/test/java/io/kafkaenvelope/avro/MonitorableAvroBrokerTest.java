package io.kafkaenvelope.avro;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkaenvelope.testing.KafkaExtension;
import io.kafkaenvelope.testing.MonitorableScenario;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 17: the Avro serdes' KIP-877 variants report through the clients' own metrics (group
 * {@code plugins}, the client's tags) through a real broker, on the kafka-clients this module
 * is built with (4.1+), and keep their format's behaviour ({@link MonitorableScenario}).
 */
class MonitorableAvroBrokerTest {

  @RegisterExtension static final KafkaExtension KAFKA = new KafkaExtension();

  @Test
  void theMetricsAppearAmongTheProducersAndConsumersOwn() {
    Map<String, Object> envelope = Fixtures.envelope();
    Map<String, Object> reader = new HashMap<>(envelope);
    reader.put(AvroSerdeConfig.READER_SCHEMA, "classpath:avro/order-v2.avsc");
    reader.put(AvroSerdeConfig.WRITER_SCHEMAS, "classpath:avro/order-v1.avsc");
    List<Object> values = MonitorableScenario.run(KAFKA.broker(), "monitorable-avro", envelope,
        MonitorableEncryptingAvroSerializer.class.getName(),
        i -> Fixtures.v1("o-" + i, 100L + i), reader,
        MonitorableDecryptingAvroDeserializer.class.getName());
    assertTrue(values.stream().allMatch(
        v -> v instanceof org.apache.avro.generic.GenericRecord), "decoded as Avro");
  }
}
