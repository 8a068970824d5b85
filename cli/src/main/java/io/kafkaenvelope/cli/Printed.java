package io.kafkaenvelope.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * How decrypted keys, values and headers are printed: bytes that are UTF-8 as text, other bytes
 * as {@code base64:...}, objects of an inner deserializer by their {@code toString()} (Avro
 * records and Jackson trees print as JSON); JSON output embeds Jackson trees as they are.
 */
final class Printed {

  static final String BASE64 = "base64:";

  private Printed() {}

  /** Text for a terminal or a text line. */
  static String text(Object o) {
    if (o == null) {
      return "null";
    }
    if (o instanceof byte[] b) {
      String s = utf8(b);
      return s != null ? s : BASE64 + Base64.getEncoder().encodeToString(b);
    }
    return o.toString();
  }

  /** A value for JSON output. */
  static Object json(Object o) {
    if (o == null || o instanceof JsonNode || o instanceof String || o instanceof Number
        || o instanceof Boolean) {
      return o;
    }
    return text(o);
  }

  /** The record's headers other than the envelope's own, in order (the last of a name wins). */
  static Map<String, String> headers(Headers headers) {
    Map<String, String> m = new LinkedHashMap<>();
    for (Header h : headers) {
      if (!h.key().startsWith("kafka-envelope.")) {
        m.put(h.key(), h.value() == null ? null : text(h.value()));
      }
    }
    return m;
  }

  private static String utf8(byte[] b) {
    try {
      return StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(b)).toString();
    } catch (CharacterCodingException e) {
      return null;
    }
  }
}
