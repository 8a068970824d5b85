package io.kafkaenvelope.json;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.util.Objects;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Writes any Jackson-serializable value, a POJO, a record or a {@code JsonNode}, as UTF-8 JSON.
 * Needs no settings. Thread-safe (Jackson's {@code ObjectMapper} is, once configured).
 *
 * @param <T> the value type
 */
public class JsonSerializer<T> implements Serializer<T> {

  private final ObjectMapper mapper;

  /** With a plain {@link JsonMapper}. */
  public JsonSerializer() {
    this(JsonMapper.builder().build());
  }

  /** With your own mapper (modules, naming strategy, ...). */
  public JsonSerializer(ObjectMapper mapper) {
    this.mapper = Objects.requireNonNull(mapper, "mapper");
  }

  @Override
  public byte[] serialize(String topic, T data) {
    if (data == null) {
      return null;
    }
    try {
      return mapper.writeValueAsBytes(data);
    } catch (JsonProcessingException e) {
      // Jackson's message can quote values; name only the type.
      throw new SerializationException("cannot write a " + data.getClass().getName()
          + " as JSON for topic '" + topic + "': " + e.getClass().getSimpleName());
    }
  }
}
