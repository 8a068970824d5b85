package io.kafkaenvelope.json.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.kafkaenvelope.internal.wire.WireFormat;
import io.kafkaenvelope.json.JsonDeserializer;
import java.util.Map;
import org.apache.kafka.common.header.Headers;

/**
 * The default inner deserializer of {@code DecryptingJsonDeserializer}: the Jackson {@link
 * JsonDeserializer} for records in the clear or encrypted whole, and, for a record encrypted
 * field by field (its headers carry field envelopes), the JSON bytes unparsed ({@link Unparsed})
 * for {@link JsonFieldFormat} to read as a tree: mapped straight to a POJO class, a field holding
 * a base64 ciphertext where the class declares a number would fail before it could be opened.
 *
 * @param <T> the value type
 */
public class FieldModeJsonDeserializer<T> extends JsonDeserializer<T> {

  private String fieldsHeader = WireFormat.VALUE_HEADER + WireFormat.FIELDS_HEADER_SUFFIX;

  /** A field-mode record's JSON, not yet parsed. */
  public record Unparsed(byte[] json) {}

  /** For configuration by class name, from the {@code envelope.json.*} settings. */
  public FieldModeJsonDeserializer() {}

  /** Reads {@code type} with {@code mapper} as configured ({@link #configure}: the role only). */
  public FieldModeJsonDeserializer(ObjectMapper mapper, Class<T> type) {
    super(mapper, type);
  }

  @Override
  public void configure(Map<String, ?> configs, boolean isKey) {
    super.configure(configs, isKey);
    fieldsHeader = (isKey ? WireFormat.KEY_HEADER : WireFormat.VALUE_HEADER)
        + WireFormat.FIELDS_HEADER_SUFFIX;
  }

  @Override
  @SuppressWarnings("unchecked")
  public T deserialize(String topic, Headers headers, byte[] data) {
    if (data != null && headers != null && headers.lastHeader(fieldsHeader) != null) {
      return (T) new Unparsed(data);
    }
    return deserialize(topic, data);
  }
}
