package io.kafkaenvelope.json;

import io.kafkaenvelope.config.EnvelopeConfig;
import io.kafkaenvelope.json.internal.FieldModeJsonDeserializer;
import io.kafkaenvelope.json.internal.JsonFieldSerdes;
import io.kafkaenvelope.serde.DecryptingDeserializer;
import io.kafkaenvelope.serde.EncryptingSerializer;
import io.kafkaenvelope.serde.EnvelopeSerde;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;

/**
 * An encrypting JSON serde for Kafka Streams: wraps the serde named in
 * {@code envelope.inner.serde}, or {@link JsonSerde} (reading {@code envelope.json.type}) when none
 * is named. With the Jackson serde it also reads records encrypted field by field, and with
 * {@code envelope.mode=field} writes them: then the envelope goes into record headers, which
 * Streams passes for source, sink and repartition topics but not for state stores, so use a
 * field-mode serde only where records are read from or written to topics (a store's serde refuses
 * to write without headers rather than write plaintext). In record mode the envelope is framed
 * inside the value, as {@link EnvelopeSerde} does.
 *
 * @param <T> the value type
 */
public class EncryptingJsonSerde<T> extends EnvelopeSerde<T> {

  /** The Jackson halves; {@code null} while a named inner serde is used (by the superclass). */
  private EncryptingSerializer<T> serializer;
  private DecryptingDeserializer<T> deserializer;

  public EncryptingJsonSerde() {
    super(JsonSerde.class);
  }

  @Override
  public void configure(Map<String, ?> configs, boolean isKey) {
    EnvelopeConfig config = EnvelopeConfig.forRole(configs, isKey);
    if (config.innerClass(EnvelopeConfig.INNER_SERDE) != null) {
      super.configure(configs, isKey);
      return;
    }
    closeHalves();
    JsonSerializer<T> writes = new JsonSerializer<>();
    FieldModeJsonDeserializer<T> reads = new FieldModeJsonDeserializer<>();
    reads.configure(configs, isKey);
    EncryptingSerializer<T> s = JsonFieldSerdes.serializer(writes);
    DecryptingDeserializer<T> d = JsonFieldSerdes.deserializer(reads);
    Map<String, Object> framed = new HashMap<>(configs);
    if (!config.fieldMode()) {
      // Inline unless set: Streams 4.3+ passes state-store serdes headers that are not stored.
      framed.putIfAbsent(EnvelopeConfig.FRAMING, "inline");
    }
    s.configure(framed, isKey);
    d.configure(configs, isKey);
    serializer = s;
    deserializer = d;
  }

  @Override
  public Serializer<T> serializer() {
    return serializer != null ? serializer : super.serializer();
  }

  @Override
  public Deserializer<T> deserializer() {
    return deserializer != null ? deserializer : super.deserializer();
  }

  @Override
  public void close() {
    try {
      closeHalves();
    } finally {
      super.close();
    }
  }

  private void closeHalves() {
    EncryptingSerializer<T> s = serializer;
    DecryptingDeserializer<T> d = deserializer;
    serializer = null;
    deserializer = null;
    try {
      if (s != null) {
        s.close();
      }
    } finally {
      if (d != null) {
        d.close();
      }
    }
  }
}
