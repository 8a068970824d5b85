package io.kafkaenvelope.json.internal;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The encoding of one encrypted JSON field: the field's value as canonical JSON in UTF-8.
 * Canonical here means: no whitespace; object properties sorted by name (Java's {@code
 * String.compareTo}, i.e. by UTF-16 code unit, as RFC 8785 sorts); strings escaped as Jackson
 * does; numbers written by Jackson from the tree's own number type, so their text round-trips
 * exactly: integers as digits (int, long, BigInteger), {@code double}/{@code float} in Java's
 * shortest round-tripping form, {@code BigDecimal} as {@code BigDecimal.toString()} (scale kept,
 * {@code 1.50} stays {@code 1.50}). It is not RFC 8785: JCS writes every number as an IEEE double,
 * which would change a BigDecimal or a long above 2^53. Sorting makes equal values give equal bytes
 * whatever order the producer built them in, which deterministic fields need. Thread-safe.
 */
public final class CanonicalJson {

  /** Only for its factory; a mapper's factory can also write POJO nodes. */
  private static final ObjectMapper MAPPER = JsonMapper.builder().build();

  private CanonicalJson() {}

  /** The canonical UTF-8 bytes of {@code value} (any node: object, array, scalar, null). */
  public static byte[] encode(JsonNode value) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(64);
    try (JsonGenerator g = MAPPER.getFactory().createGenerator(out)) {
      write(g, value);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write a field as JSON", e);
    }
    return out.toByteArray();
  }

  private static void write(JsonGenerator g, JsonNode n) throws IOException {
    switch (n.getNodeType()) {
      case OBJECT -> {
        List<Map.Entry<String, JsonNode>> props = new ArrayList<>(n.size());
        n.fields().forEachRemaining(props::add);
        props.sort(Map.Entry.comparingByKey());
        g.writeStartObject();
        for (Map.Entry<String, JsonNode> e : props) {
          g.writeFieldName(e.getKey());
          write(g, e.getValue());
        }
        g.writeEndObject();
      }
      case ARRAY -> {
        g.writeStartArray();
        for (Iterator<JsonNode> it = n.elements(); it.hasNext(); ) {
          write(g, it.next());
        }
        g.writeEndArray();
      }
      case NUMBER -> {
        switch (n.numberType()) {
          case INT -> g.writeNumber(n.intValue());
          case LONG -> g.writeNumber(n.longValue());
          case BIG_INTEGER -> g.writeNumber(n.bigIntegerValue());
          case FLOAT -> g.writeNumber(n.floatValue());
          case DOUBLE -> g.writeNumber(n.doubleValue());
          default -> g.writeNumber(n.decimalValue());
        }
      }
      case STRING -> g.writeString(n.textValue());
      case BOOLEAN -> g.writeBoolean(n.booleanValue());
      case NULL, MISSING -> g.writeNull();
      case BINARY -> g.writeBinary(n.binaryValue());
      default -> // POJO nodes: let Jackson write them as it would in the record
          g.writeTree(n);
    }
  }

  /**
   * Reads a field's encoding back into a node with {@code reader}, the reader the record's own
   * JSON is read with, so a decrypted field has the node types the same JSON in the clear would.
   */
  public static JsonNode decode(ObjectReader reader, byte[] encoding) throws IOException {
    return reader.readTree(encoding);
  }
}
