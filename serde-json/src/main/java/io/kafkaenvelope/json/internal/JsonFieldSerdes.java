package io.kafkaenvelope.json.internal;

import io.kafkaenvelope.serde.DecryptingDeserializer;
import io.kafkaenvelope.serde.EncryptingSerializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;

/**
 * The two halves of {@code EncryptingJsonSerde}: serde-core's serializer and deserializer around
 * the given Jackson serdes, with {@link JsonFieldFormat} (their format constructors are
 * protected, for format modules).
 */
public final class JsonFieldSerdes {

  private JsonFieldSerdes() {}

  /** Encrypts the record, or the fields {@code envelope.mode=field} chooses. */
  public static <T> EncryptingSerializer<T> serializer(Serializer<T> inner) {
    return new Encrypting<>(inner);
  }

  /** Reads record-mode and field-mode records alike. */
  public static <T> DecryptingDeserializer<T> deserializer(Deserializer<T> inner) {
    return new Decrypting<>(inner);
  }

  private static final class Encrypting<T> extends EncryptingSerializer<T> {
    Encrypting(Serializer<T> inner) {
      super(inner, new JsonFieldFormat());
    }
  }

  private static final class Decrypting<T> extends DecryptingDeserializer<T> {
    Decrypting(Deserializer<T> inner) {
      super(inner, new JsonFieldFormat());
    }
  }
}
