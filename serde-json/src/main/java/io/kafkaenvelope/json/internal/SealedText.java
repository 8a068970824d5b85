package io.kafkaenvelope.json.internal;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.node.JsonNodeType;
import com.fasterxml.jackson.databind.node.ValueNode;
import java.io.IOException;
import java.util.Arrays;
import java.util.Base64;

/**
 * A sealed field in the producer's tree: a JSON string, the standard padded base64 (RFC 4648) of
 * the array {@code FieldSealer.seal} returned, taken when the string is read or written.
 *
 * <p>Why not a {@code TextNode}: the array's ciphertext is written after the format's {@code
 * seal} returns (one AES-GCM call per KEK for the whole record), so a string made at once would
 * hold the prefix and zeros. Why not a {@code BinaryNode}: Jackson writes one with the mapper's
 * {@code Base64Variant} (an application's mapper may use the URL-safe or unpadded one, which the
 * reader's decoder refuses), and a validating inner serializer (a JSON Schema one) would see a
 * binary node where the derived schema says string. This node is a string to every reader.
 */
final class SealedText extends ValueNode {

  private static final long serialVersionUID = 1L;

  /** The stored array (not a copy: its content is completed after the node is made). */
  private final byte[] sealed;

  SealedText(byte[] sealed) {
    this.sealed = sealed;
  }

  @Override
  public JsonNodeType getNodeType() {
    return JsonNodeType.STRING;
  }

  @Override
  public JsonToken asToken() {
    return JsonToken.VALUE_STRING;
  }

  @Override
  public String textValue() {
    return Base64.getEncoder().encodeToString(sealed);
  }

  @Override
  public String asText() {
    return textValue();
  }

  @Override
  public byte[] binaryValue() {
    return sealed.clone();
  }

  @Override
  public void serialize(JsonGenerator g, SerializerProvider provider) throws IOException {
    g.writeString(textValue());
  }

  @Override
  public boolean equals(Object o) {
    return o == this || (o instanceof SealedText s && Arrays.equals(sealed, s.sealed));
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(sealed);
  }
}
