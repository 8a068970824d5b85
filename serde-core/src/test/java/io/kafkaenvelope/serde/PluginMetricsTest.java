package io.kafkaenvelope.serde;

import static io.kafkaenvelope.testing.TestConfigs.MARKER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkaenvelope.testing.TestConfigs;
import java.lang.management.ManagementFactory;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.management.ObjectName;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.metrics.KafkaMetric;
import org.apache.kafka.common.metrics.Metrics;
import org.apache.kafka.common.metrics.internals.PluginMetricsImpl;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * KIP-877 (kafka-clients 4.1, which this module compiles and tests against): a {@code
 * Monitorable} serializer handed the client's plugin metrics after {@code configure()}, as
 * {@code KafkaProducer} does, moves its metrics there (same names, the client's group and tags),
 * leaves JMX of its own, and removes them when closed.
 */
class PluginMetricsTest {

  @Test
  void metricsMoveToTheClientsPluginMetricsUnderTheSameNames() throws Exception {
    String kmsName = TestConfigs.newKmsName();
    String clientId = "plugin-" + kmsName;
    Map<String, Object> configs = TestConfigs.base(kmsName);
    configs.put("client.id", clientId);
    try (Metrics clientMetrics = new Metrics()) {
      Map<String, String> pluginTags = Map.of("config", "value.serializer", "class",
          "MonitorableEncryptingSerializer");
      MonitorableEncryptingSerializer<String> s =
          new MonitorableEncryptingSerializer<>(new StringSerializer());
      s.configure(configs, false);
      ObjectName own = new ObjectName("kafka.envelope:type=kafka-envelope-serializer-metrics,"
          + "client-id=" + clientId + ",role=value");
      assertTrue(ManagementFactory.getPlatformMBeanServer().isRegistered(own));
      PluginMetricsImpl plugin = new PluginMetricsImpl(clientMetrics, pluginTags);
      s.withPluginMetrics(plugin);
      assertTrue(!ManagementFactory.getPlatformMBeanServer().isRegistered(own),
          "no JMX of its own once the client's metrics are used");
      for (int i = 0; i < 3; i++) {
        s.serialize("t", new RecordHeaders(), MARKER + i);
      }
      Map<String, String> tags = new LinkedHashMap<>(pluginTags);
      tags.put("role", "value");
      KafkaMetric records = clientMetrics.metric(new MetricName("records-encrypted-total",
          "plugins", "", tags));
      assertEquals(3.0, ((Number) records.metricValue()).doubleValue());
      Map<String, String> generate = new LinkedHashMap<>(tags);
      generate.put("operation", "generate");
      generate.put("outcome", "success");
      assertEquals(1.0, ((Number) clientMetrics.metric(new MetricName("kms-calls-total",
          "plugins", "", generate)).metricValue()).doubleValue());
      s.close();
      assertNull(clientMetrics.metric(new MetricName("records-encrypted-total", "plugins", "",
          tags)), "removed on close()");
      plugin.close();
    }
  }
}
