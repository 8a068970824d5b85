package io.kafkaenvelope.testing;

import io.kafkaenvelope.serde.DecryptingDeserializer;
import io.kafkaenvelope.serde.EncryptingSerializer;
import java.util.Map;

/** A configured serializer/deserializer pair over Strings. */
public final class Pair implements AutoCloseable {
  public final EncryptingSerializer<String> serializer;
  public final DecryptingDeserializer<String> deserializer;

  public Pair(Map<String, Object> configs, boolean isKey) {
    this(new EncryptingSerializer<>(), configs, isKey);
  }

  public Pair(EncryptingSerializer<String> serializer, Map<String, Object> configs, boolean isKey) {
    this.serializer = serializer;
    this.serializer.configure(configs, isKey);
    this.deserializer = new DecryptingDeserializer<>();
    this.deserializer.configure(configs, isKey);
  }

  @Override
  public void close() {
    serializer.close();
    deserializer.close();
  }
}
