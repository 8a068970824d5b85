package io.kafkaenvelope.json;

import io.kafkaenvelope.json.internal.JsonFieldFormat;
import io.kafkaenvelope.serde.MonitorableEncryptingSerializer;

/**
 * {@link EncryptingJsonSerializer} with KIP-877 plugin metrics (kafka-clients 4.1 and
 * newer): the same serializer, whose metrics appear among the producer's own ({@code
 * kafka.producer:type=plugins,...}) and in its reporters, under the names docs/metrics.md lists.
 * On kafka-clients 3.x use {@link EncryptingJsonSerializer} (this class cannot load there).
 *
 * <pre>
 * value.serializer=io.kafkaenvelope.json.MonitorableEncryptingJsonSerializer
 * </pre>
 *
 * @param <T> the type the inner serializer takes
 */
public class MonitorableEncryptingJsonSerializer<T> extends MonitorableEncryptingSerializer<T> {

  public MonitorableEncryptingJsonSerializer() {
    super(JsonSerializer.class, new JsonFieldFormat());
  }
}
