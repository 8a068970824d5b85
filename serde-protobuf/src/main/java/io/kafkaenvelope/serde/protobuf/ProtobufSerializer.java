package io.kafkaenvelope.serde.protobuf;

import com.google.protobuf.Any;
import com.google.protobuf.Message;
import io.kafkaenvelope.serde.protobuf.ProtobufSerdeConfig.Encoding;
import java.util.Map;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Writes a generated Protobuf message without a schema registry: by default wrapped in a
 * {@code google.protobuf.Any} ({@link Any#pack}: the type URL
 * {@code type.googleapis.com/<full message name>} and the message's bytes), or with
 * {@code envelope.protobuf.encoding=message} the bare message bytes. Protobuf's field numbers
 * carry schema evolution, so no writer schema travels along (compare Avro's fingerprint); the
 * reader needs only its own generated class ({@link ProtobufDeserializer}). Thread-safe.
 *
 * @param <T> the generated message type (unbounded, like Kafka's configured-by-name serializers:
 *     anything that is not a {@link Message} is refused with a {@link SerializationException})
 */
public class ProtobufSerializer<T> implements Serializer<T> {

  private final boolean given;
  private volatile Encoding encoding = Encoding.ANY;

  /** For configuration by class name, from {@code envelope.protobuf.encoding} (default any). */
  public ProtobufSerializer() {
    this.given = false;
  }

  /** Writes {@code encoding}; {@link #configure} then changes nothing. */
  public ProtobufSerializer(ProtobufSerdeConfig.Encoding encoding) {
    this.encoding = java.util.Objects.requireNonNull(encoding, "encoding");
    this.given = true;
  }

  @Override
  public void configure(Map<String, ?> configs, boolean isKey) {
    if (!given) {
      encoding = ProtobufSerdeConfig.forRole(configs, isKey).encoding();
    }
  }

  @Override
  public byte[] serialize(String topic, T data) {
    if (data == null) {
      return null;
    }
    // A client configured by class name can hand us anything.
    if (!(data instanceof Message message)) {
      throw new SerializationException("ProtobufSerializer takes generated Protobuf messages "
          + "(com.google.protobuf.Message), not " + data.getClass().getName());
    }
    try {
      return encoding == Encoding.ANY ? Any.pack(message).toByteArray() : message.toByteArray();
    } catch (RuntimeException e) {
      // The message names the type, never the record's contents.
      throw new SerializationException("cannot encode a Protobuf "
          + message.getDescriptorForType().getFullName() + " for topic '" + topic + "': "
          + e.getClass().getSimpleName());
    }
  }
}
