package io.kafkaenvelope.json;

import org.apache.kafka.common.serialization.Serdes;

/**
 * {@link JsonSerializer} and {@link JsonDeserializer} as a Serde (Kafka Streams); configure it with
 * {@code envelope.json.type}, or pass the type.
 *
 * @param <T> the value type
 */
public class JsonSerde<T> extends Serdes.WrapperSerde<T> {

  /** For configuration by class name. */
  public JsonSerde() {
    super(new JsonSerializer<>(), new JsonDeserializer<>());
  }

  /** For {@code type}, with a plain mapper that ignores unknown properties. */
  public JsonSerde(Class<T> type) {
    super(new JsonSerializer<>(), new JsonDeserializer<>(type));
  }
}
