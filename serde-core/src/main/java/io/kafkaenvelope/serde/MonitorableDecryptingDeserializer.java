package io.kafkaenvelope.serde;

import io.kafkaenvelope.internal.field.FieldFormat;
import org.apache.kafka.common.metrics.Monitorable;
import org.apache.kafka.common.metrics.PluginMetrics;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * A {@link DecryptingDeserializer} whose metrics go through the client's KIP-877 plugin metrics
 * (kafka-clients 4.1 and newer): they then appear with the consumer's own metrics
 * ({@code kafka.consumer:type=plugins,client-id=...,config=value.deserializer,class=...}) and in
 * its reporters, under the names {@code docs/metrics.md} lists. Requires kafka-clients 4.1+ (on
 * 3.x use {@code DecryptingDeserializer}, whose metrics are in JMX under {@code kafka.envelope}).
 *
 * @param <T> the type the inner deserializer returns
 */
public class MonitorableDecryptingDeserializer<T> extends DecryptingDeserializer<T>
    implements Monitorable {

  /** For configuration by class name ({@code envelope.inner.deserializer}). */
  public MonitorableDecryptingDeserializer() {
    super();
  }

  /**
   * For format-specific subclasses configured by class name (the Avro, JSON and Protobuf
   * modules' {@code Monitorable*} deserializers): {@code defaultInner} is used when the
   * configuration names no inner deserializer.
   */
  @SuppressWarnings("rawtypes")
  protected MonitorableDecryptingDeserializer(Class<? extends Deserializer> defaultInner) {
    super(defaultInner);
  }

  /**
   * For format modules with field-level encryption ({@code envelope.mode=field}): as the
   * constructor above, and {@code format} handles the record's fields. Internal: {@code format}
   * is serde-core's internal contract.
   */
  @SuppressWarnings("rawtypes")
  protected MonitorableDecryptingDeserializer(Class<? extends Deserializer> defaultInner,
      FieldFormat format) {
    super(defaultInner, format);
  }

  /** Wraps {@code inner}, used as given. */
  public MonitorableDecryptingDeserializer(Deserializer<T> inner) {
    super(inner);
  }

  @Override
  public void withPluginMetrics(PluginMetrics metrics) {
    usePluginMetrics(metrics);
  }
}
