package io.kafkaenvelope.json;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.util.Map;
import java.util.Objects;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Reads UTF-8 JSON into the class named in {@code envelope.json.type} (default {@code JsonNode})
 * with Jackson, or into the type given to the constructor. Unknown properties are ignored unless
 * {@code envelope.json.fail.on.unknown.properties=true}. Errors name the type and the position,
 * never the record's content. Thread-safe.
 *
 * @param <T> the value type
 */
public class JsonDeserializer<T> implements Deserializer<T> {

  private final ObjectMapper mapper;
  private final JavaType givenType;
  private volatile ObjectReader reader;

  /** For configuration by class name, from the {@code envelope.json.*} settings. */
  public JsonDeserializer() {
    this.mapper = JsonMapper.builder().build();
    this.givenType = null;
  }

  /**
   * Reads {@code type} with {@code mapper} as you configured it; {@link #configure} then changes
   * nothing.
   */
  public JsonDeserializer(ObjectMapper mapper, Class<T> type) {
    this.mapper = Objects.requireNonNull(mapper, "mapper");
    this.givenType = mapper.constructType(Objects.requireNonNull(type, "type"));
    this.reader = mapper.readerFor(givenType);
  }

  /** Reads {@code type} with a plain mapper that ignores unknown properties. */
  public JsonDeserializer(Class<T> type) {
    this(JsonMapper.builder().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build(),
        type);
  }

  @Override
  public void configure(Map<String, ?> configs, boolean isKey) {
    if (givenType != null) {
      return;
    }
    JsonSerdeConfig config = JsonSerdeConfig.forRole(configs, isKey);
    ObjectReader r = mapper.readerFor(config.getClass(JsonSerdeConfig.TYPE));
    reader = config.getBoolean(JsonSerdeConfig.FAIL_ON_UNKNOWN_PROPERTIES)
        ? r.with(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
        : r.without(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
  }

  @Override
  public T deserialize(String topic, byte[] data) {
    if (data == null) {
      return null;
    }
    ObjectReader r = reader;
    if (r == null) {
      r = mapper.readerFor(com.fasterxml.jackson.databind.JsonNode.class);
    }
    try {
      return r.readValue(data);
    } catch (JsonProcessingException e) {
      JsonLocation at = e.getLocation();
      throw new SerializationException("cannot read JSON from topic '" + topic + "' as "
          + r.getValueType() + ": " + e.getClass().getSimpleName()
          + (at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr()));
    } catch (IOException e) {
      throw new SerializationException("cannot read JSON from topic '" + topic + "': "
          + e.getClass().getSimpleName());
    }
  }
}
