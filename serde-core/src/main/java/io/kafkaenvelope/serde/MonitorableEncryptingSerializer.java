package io.kafkaenvelope.serde;

import io.kafkaenvelope.internal.field.FieldFormat;
import org.apache.kafka.common.metrics.Monitorable;
import org.apache.kafka.common.metrics.PluginMetrics;
import org.apache.kafka.common.serialization.Serializer;

/**
 * An {@link EncryptingSerializer} whose metrics go through the client's KIP-877 plugin metrics
 * (kafka-clients 4.1 and newer): they then appear with the producer's own metrics, under its JMX
 * domain ({@code kafka.producer:type=plugins,client-id=...,config=value.serializer,class=...}) and
 * in every {@code MetricsReporter} the producer is configured with, under the same names as
 * {@code docs/metrics.md} lists. Set it instead of {@code EncryptingSerializer}:
 *
 * <pre>
 * value.serializer=io.kafkaenvelope.serde.MonitorableEncryptingSerializer
 * </pre>
 *
 * Requires kafka-clients 4.1+ (it implements {@link Monitorable}, which 3.x lacks: on 3.x use
 * {@code EncryptingSerializer}, whose metrics are in JMX under {@code kafka.envelope}).
 *
 * @param <T> the type the inner serializer takes
 */
public class MonitorableEncryptingSerializer<T> extends EncryptingSerializer<T>
    implements Monitorable {

  /** For configuration by class name ({@code envelope.inner.serializer}). */
  public MonitorableEncryptingSerializer() {
    super();
  }

  /**
   * For format-specific subclasses configured by class name (the Avro, JSON and Protobuf
   * modules' {@code Monitorable*} serializers): {@code defaultInner} is used when the
   * configuration names no inner serializer.
   */
  @SuppressWarnings("rawtypes")
  protected MonitorableEncryptingSerializer(Class<? extends Serializer> defaultInner) {
    super(defaultInner);
  }

  /**
   * For format modules with field-level encryption ({@code envelope.mode=field}): as the
   * constructor above, and {@code format} handles the record's fields. Internal: {@code format}
   * is serde-core's internal contract.
   */
  @SuppressWarnings("rawtypes")
  protected MonitorableEncryptingSerializer(Class<? extends Serializer> defaultInner,
      FieldFormat format) {
    super(defaultInner, format);
  }

  /** Wraps {@code inner}, used as given. */
  public MonitorableEncryptingSerializer(Serializer<T> inner) {
    super(inner);
  }

  @Override
  public void withPluginMetrics(PluginMetrics metrics) {
    usePluginMetrics(metrics);
  }
}
