package io.kafkaenvelope.json;

import io.kafkaenvelope.json.internal.FieldModeJsonDeserializer;
import io.kafkaenvelope.json.internal.JsonFieldFormat;
import io.kafkaenvelope.serde.MonitorableDecryptingDeserializer;

/**
 * {@link DecryptingJsonDeserializer} with KIP-877 plugin metrics (kafka-clients 4.1 and
 * newer): its metrics appear among the consumer's own
 * ({@code kafka.consumer:type=plugins,...}) and in its reporters. On kafka-clients 3.x use
 * {@link DecryptingJsonDeserializer}.
 *
 * @param <T> the type the inner deserializer returns
 */
public class MonitorableDecryptingJsonDeserializer<T>
    extends MonitorableDecryptingDeserializer<T> {

  public MonitorableDecryptingJsonDeserializer() {
    super(FieldModeJsonDeserializer.class, new JsonFieldFormat());
  }
}
