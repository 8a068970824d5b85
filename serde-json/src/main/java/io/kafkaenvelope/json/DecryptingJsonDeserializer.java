package io.kafkaenvelope.json;

import io.kafkaenvelope.serde.DecryptingDeserializer;

/**
 * A {@link DecryptingDeserializer} for JSON: wraps the deserializer named in
 * {@code envelope.inner.deserializer}, or the Jackson {@link JsonDeserializer} (reading
 * {@code envelope.json.type}, default {@code JsonNode}) when none is named.
 *
 * @param <T> the value type
 */
public class DecryptingJsonDeserializer<T> extends DecryptingDeserializer<T> {

  public DecryptingJsonDeserializer() {
    super(JsonDeserializer.class);
  }
}
