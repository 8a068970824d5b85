package io.kafkaenvelope.json;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.kafkaenvelope.json.internal.FieldModeJsonDeserializer;
import io.kafkaenvelope.json.internal.JsonFieldFormat;
import io.kafkaenvelope.serde.DecryptingDeserializer;
import java.util.Map;

/**
 * A {@link DecryptingDeserializer} for JSON: wraps the deserializer named in
 * {@code envelope.inner.deserializer}, or the Jackson {@link JsonDeserializer} (reading
 * {@code envelope.json.type}, default {@code JsonNode}) when none is named. Reads records encrypted
 * whole and records encrypted field by field ({@code envelope.mode=field} on the producer) alike,
 * with no setting: the latter are read as a tree, their fields decrypted, then mapped to {@code
 * envelope.json.type} (see docs/serdes.md, "Field-level encryption (JSON)").
 *
 * @param <T> the value type
 */
public class DecryptingJsonDeserializer<T> extends DecryptingDeserializer<T> {

  /** The inner deserializer when constructed with a mapper; null when loaded by class name. */
  private final FieldModeJsonDeserializer<T> given;

  public DecryptingJsonDeserializer() {
    super(FieldModeJsonDeserializer.class, new JsonFieldFormat());
    this.given = null;
  }

  /**
   * Reads {@code type} with your own {@code mapper} as you configured it (record mode and field
   * mode alike); {@link #configure} sets up the KMS and keys, and the {@code envelope.json.*}
   * settings then change nothing but {@code envelope.json.schema}.
   */
  public DecryptingJsonDeserializer(ObjectMapper mapper, Class<T> type) {
    this(new FieldModeJsonDeserializer<>(mapper, type), mapper, type);
  }

  private DecryptingJsonDeserializer(FieldModeJsonDeserializer<T> inner, ObjectMapper mapper,
      Class<T> type) {
    super(inner, new JsonFieldFormat(mapper, type));
    this.given = inner;
  }

  @Override
  public void configure(Map<String, ?> configs, boolean isKey) {
    if (given != null) {
      given.configure(configs, isKey); // only the role: its type and mapper are given
    }
    super.configure(configs, isKey);
  }
}
