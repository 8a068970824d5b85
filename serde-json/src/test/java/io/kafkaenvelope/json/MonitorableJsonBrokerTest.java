package io.kafkaenvelope.json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkaenvelope.testing.KafkaExtension;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 17: the Json serdes' KIP-877 variants report through the clients' own metrics (group
 * {@code plugins}, the client's tags) through a real broker, on the kafka-clients this module
 * is built with (4.1+), and keep their format's behaviour.
 */
class MonitorableJsonBrokerTest {

  @RegisterExtension static final KafkaExtension KAFKA = new KafkaExtension();

  @Test
  void theMetricsAppearAmongTheProducersAndConsumersOwn() {
    String topic = Fixtures.unique("monitorable-json");
    KAFKA.broker().createTopic(topic, 1);
    Map<String, Object> envelope = Fixtures.envelope();
    Map<String, Object> pc = Fixtures.producer(KAFKA.broker(), envelope,
        MonitorableEncryptingJsonSerializer.class.getName());
    try (KafkaProducer<String, Object> p = new KafkaProducer<>(pc)) {
      for (int i = 0; i < 5; i++) {
        p.send(new ProducerRecord<>(topic, "k" + i, Fixtures.v1("o-" + i, 100L + i)));
      }
      p.flush();
      assertEquals(5, Fixtures.pluginMetric(p.metrics(), "records-encrypted-total"));
      assertEquals(1, Fixtures.pluginMetric(p.metrics(), "kms-calls-total",
          "operation=generate", "outcome=success"), "configure()'s data key served all five");
      assertEquals(0, Fixtures.pluginMetric(p.metrics(), "kms-calls-total",
          "operation=generate", "outcome=failure"));
    }
    Map<String, Object> reader = new HashMap<>(envelope);
    // no type: read as Jackson trees
    try (KafkaConsumer<String, Object> c = new KafkaConsumer<>(Fixtures.consumer(
        KAFKA.broker(), reader, MonitorableDecryptingJsonDeserializer.class.getName()))) {
      List<ConsumerRecord<String, Object>> got = Fixtures.drain(c, topic, 5);
      assertEquals(5, got.size());
      assertTrue(got.stream().allMatch(
          r -> r.value() instanceof com.fasterxml.jackson.databind.JsonNode), "decoded as Json");
      assertEquals(5, Fixtures.pluginMetric(c.metrics(), "records-decrypted-total"));
      assertEquals(1, Fixtures.pluginMetric(c.metrics(), "dek-cache-misses-total"));
      assertEquals(4, Fixtures.pluginMetric(c.metrics(), "dek-cache-hits-total"));
      assertEquals(1, Fixtures.pluginMetric(c.metrics(), "kms-calls-total",
          "operation=check", "outcome=success"), "configure() checked the KEK once");
    }
  }
}
