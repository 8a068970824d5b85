package io.kafkaenvelope.json;

import io.kafkaenvelope.serde.EnvelopeSerde;

/**
 * An encrypting JSON serde for Kafka Streams: wraps the serde named in
 * {@code envelope.inner.serde}, or {@link JsonSerde} (reading {@code envelope.json.type}) when none
 * is named.
 *
 * @param <T> the value type
 */
public class EncryptingJsonSerde<T> extends EnvelopeSerde<T> {

  public EncryptingJsonSerde() {
    super(JsonSerde.class);
  }
}
