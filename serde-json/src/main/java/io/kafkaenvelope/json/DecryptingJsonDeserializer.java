package io.kafkaenvelope.json;

import io.kafkaenvelope.json.internal.FieldModeJsonDeserializer;
import io.kafkaenvelope.json.internal.JsonFieldFormat;
import io.kafkaenvelope.serde.DecryptingDeserializer;

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

  public DecryptingJsonDeserializer() {
    super(FieldModeJsonDeserializer.class, new JsonFieldFormat());
  }
}
