package io.kafkaenvelope.internal.events;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.metrics.MetricValueProvider;
import org.apache.kafka.common.metrics.PluginMetrics;
import org.apache.kafka.common.metrics.Sensor;

/**
 * Registers metrics through the client's KIP-877 {@link PluginMetrics} (kafka-clients 4.1+). The
 * only class of the library outside the {@code Monitorable*} serdes that names a 4.1 type: it is
 * loaded only when a client hands plugin metrics over, so the rest loads on kafka-clients 3.x.
 * The group is the client's ({@code plugins}) and so are the {@code client-id}, {@code config}
 * and {@code class} tags; the metric names and our own tags are unchanged.
 */
final class PluginMetricsSink implements EnvelopeEvents.Sink {

  private final PluginMetrics metrics;
  private final List<MetricName> names = new ArrayList<>();
  private final List<String> sensors = new ArrayList<>();

  private PluginMetricsSink(PluginMetrics metrics) {
    this.metrics = metrics;
  }

  static EnvelopeEvents.Sink of(Object pluginMetrics) {
    return new PluginMetricsSink((PluginMetrics) pluginMetrics);
  }

  @Override
  public MetricName name(String name, String group, String doc,
      LinkedHashMap<String, String> tags) {
    return metrics.metricName(name, doc, tags);
  }

  @Override
  public void add(MetricName name, MetricValueProvider<?> value) {
    metrics.addMetric(name, value);
    names.add(name);
  }

  @Override
  public Sensor sensor(String name) {
    Sensor s = metrics.addSensor(name);
    sensors.add(name);
    return s;
  }

  /**
   * Removes this serde's metrics (it is closing or configured again). When the client has closed
   * its plugin metrics first, they are gone already.
   */
  @Override
  public void close() {
    try {
      for (MetricName n : names) {
        metrics.removeMetric(n);
      }
      for (String s : sensors) {
        metrics.removeSensor(s);
      }
    } catch (IllegalStateException closed) {
      // the client closed them
    }
    names.clear();
    sensors.clear();
  }
}
