package io.kafkaenvelope.json;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.kafkaenvelope.json.internal.JsonFieldFormat;
import io.kafkaenvelope.serde.EncryptingSerializer;

/**
 * An {@link EncryptingSerializer} for JSON. By class name it wraps the serializer named in
 * {@code envelope.inner.serializer} (e.g. a schema registry's JSON Schema serializer, which gets
 * the whole configuration map unchanged; see {@code envelope.clear.prefix} to keep its schema id
 * readable), or the Jackson {@link JsonSerializer} when none is named. With {@code
 * envelope.mode=field} it encrypts only the fields {@code envelope.fields} (or the JSON Schema of
 * {@code envelope.json.schema}) chooses, each becoming a base64 string, and the inner serializer
 * writes the rest as it is (see docs/serdes.md, "Field-level encryption (JSON)").
 *
 * <pre>
 * value.serializer=io.kafkaenvelope.json.EncryptingJsonSerializer
 * envelope.kms.type=aws-kms
 * envelope.kek.id=alias/orders
 * </pre>
 *
 * @param <T> the value type
 */
public class EncryptingJsonSerializer<T> extends EncryptingSerializer<T> {

  public EncryptingJsonSerializer() {
    super(JsonSerializer.class, new JsonFieldFormat());
  }

  /**
   * With your own {@code mapper} (modules, naming strategy, ...), for the record and, in field
   * mode, for turning it into a tree; {@link #configure} sets up the KMS and keys.
   */
  public EncryptingJsonSerializer(ObjectMapper mapper) {
    super(new JsonSerializer<>(mapper), new JsonFieldFormat(mapper, null));
  }
}
