package io.kafkaenvelope.serde.protobuf;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import io.kafkaenvelope.serde.protobuf.ProtobufSerdeConfig.Encoding;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Map;
import java.util.Objects;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Parses records into the generated message class named in {@code envelope.protobuf.message.class}
 * with that class's own parser. With the default {@code envelope.protobuf.encoding=any} each record
 * is a {@code google.protobuf.Any} whose type must be the class's message type: a record of
 * another type is refused with a {@link SerializationException} naming both types, never parsed
 * into the wrong class. Protobuf's rules handle schema evolution: fields the class does not know
 * are kept as unknown fields (and written again if the message is re-serialized), fields a record
 * lacks read as their defaults. Bytes that do not parse are refused with a
 * {@link SerializationException}. Thread-safe.
 *
 * @param <T> the generated message type
 */
public class ProtobufDeserializer<T extends Message> implements Deserializer<T> {

  private final boolean given;
  private volatile Target<T> target;

  /** For configuration by class name, from the {@code envelope.protobuf.*} settings. */
  public ProtobufDeserializer() {
    this.given = false;
  }

  /**
   * Parses into {@code messageClass} (e.g. {@code Order.class}) from {@code encoding};
   * {@link #configure} then changes nothing.
   */
  public ProtobufDeserializer(Class<T> messageClass, ProtobufSerdeConfig.Encoding encoding) {
    this.target = Target.of(Objects.requireNonNull(messageClass, "messageClass"),
        Objects.requireNonNull(encoding, "encoding"), "messageClass");
    this.given = true;
  }

  /** The class's parser and full message name, and how records are encoded. */
  private record Target<T>(Parser<T> parser, String typeName, Encoding encoding) {

    @SuppressWarnings("unchecked")
    static <T> Target<T> of(Class<?> cls, Encoding encoding, String setting) {
      if (!Message.class.isAssignableFrom(cls)) {
        throw new ConfigException(setting, cls.getName(), "is not a generated Protobuf message "
            + "class (com.google.protobuf.Message); name the class protoc generated for the "
            + "message, e.g. com.example.Order");
      }
      Message prototype;
      try {
        // Every generated message class has it; DynamicMessage and hand-written ones do not.
        Method m = cls.getMethod("getDefaultInstance");
        if (!Modifier.isStatic(m.getModifiers()) || !cls.isAssignableFrom(m.getReturnType())) {
          throw new NoSuchMethodException("static getDefaultInstance()");
        }
        prototype = (Message) m.invoke(null);
      } catch (NoSuchMethodException | IllegalAccessException | InvocationTargetException e) {
        throw new ConfigException(setting, cls.getName(), "is not a protoc-generated message "
            + "class: it has no public static getDefaultInstance()");
      }
      return new Target<>((Parser<T>) prototype.getParserForType(),
          prototype.getDescriptorForType().getFullName(), encoding);
    }
  }

  @Override
  public void configure(Map<String, ?> configs, boolean isKey) {
    if (given) {
      return;
    }
    ProtobufSerdeConfig config = ProtobufSerdeConfig.forRole(configs, isKey);
    Class<?> cls = config.getClass(ProtobufSerdeConfig.MESSAGE_CLASS);
    String setting = isKey ? ProtobufSerdeConfig.MESSAGE_CLASS + " (or envelope.key.protobuf."
        + "message.class)" : ProtobufSerdeConfig.MESSAGE_CLASS;
    if (cls == null) {
      throw new ConfigException("Set " + setting + " to the generated Protobuf message class "
          + "records are parsed into (e.g. com.example.Order)");
    }
    target = Target.of(cls, config.encoding(), ProtobufSerdeConfig.MESSAGE_CLASS);
  }

  @Override
  public T deserialize(String topic, byte[] data) {
    if (data == null) {
      return null;
    }
    Target<T> t = target;
    if (t == null) {
      throw new IllegalStateException("ProtobufDeserializer used before configure()");
    }
    try {
      if (t.encoding == Encoding.MESSAGE) {
        return t.parser.parseFrom(data);
      }
      Any any = Any.parseFrom(data);
      String written = typeName(any.getTypeUrl());
      if (!written.equals(t.typeName)) {
        // Type names are schema metadata, not record contents.
        throw new SerializationException("Protobuf record from topic '" + topic + "' is a "
            + (written.isEmpty() ? "value without a type URL" : "'" + written + "'")
            + ", not the configured '" + t.typeName + "' (" + ProtobufSerdeConfig.MESSAGE_CLASS
            + "); were both sides set to " + ProtobufSerdeConfig.ENCODING + "=any?");
      }
      return t.parser.parseFrom(any.getValue());
    } catch (InvalidProtocolBufferException e) {
      // Protobuf's parse errors are fixed texts about the encoding, never the input bytes.
      throw new SerializationException("cannot parse a Protobuf " + t.typeName + " from topic '"
          + topic + "': " + e.getMessage());
    }
  }

  /** The full message name of a type URL ({@code type.googleapis.com/pkg.Order}). */
  private static String typeName(String typeUrl) {
    return typeUrl.substring(typeUrl.lastIndexOf('/') + 1);
  }
}
