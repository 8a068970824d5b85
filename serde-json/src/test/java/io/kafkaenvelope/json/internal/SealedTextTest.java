package io.kafkaenvelope.json.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.Base64Variants;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/**
 * A sealed JSON field is written as the standard padded base64 of its array's content at the time
 * the tree is written (the ciphertext is filled in after the node is made), whatever base64
 * variant the application's mapper uses, and reads as a string everywhere.
 */
class SealedTextTest {

  @Test
  void theArrayIsReadWhenWrittenAsStandardPaddedBase64WhateverTheMappersVariant()
      throws Exception {
    byte[] sealed = new byte[] {5, 0, 0, 0, 0}; // 5 bytes: padded base64, URL-safe chars below
    ObjectMapper urlSafe = JsonMapper.builder().defaultBase64Variant(
        Base64Variants.MODIFIED_FOR_URL).build();
    ObjectNode tree = urlSafe.createObjectNode();
    tree.set("ssn", new SealedText(sealed));
    // the content written after the node was made (as serde-core's one AES-GCM call does)
    sealed[2] = (byte) 0xFB;
    sealed[3] = (byte) 0xFF;
    sealed[4] = (byte) 0xBF;
    String expected = Base64.getEncoder().encodeToString(sealed);
    assertTrue(expected.endsWith("=") && (expected.contains("+") || expected.contains("/")),
        "the sample needs padding and the characters the URL-safe variant changes: " + expected);
    for (ObjectMapper m : new ObjectMapper[] {urlSafe, new ObjectMapper()}) {
      JsonNode back = m.readTree(m.writeValueAsBytes(tree));
      assertEquals(expected, back.get("ssn").textValue());
      assertArrayEquals(sealed, Base64.getDecoder().decode(back.get("ssn").textValue()));
      // through a token buffer, as a converting or validating serializer reads the tree
      assertEquals(expected, m.treeToValue(tree, java.util.Map.class).get("ssn"));
    }
    JsonNode node = tree.get("ssn");
    assertTrue(node.isTextual());
    assertEquals(expected, node.textValue());
    assertEquals(expected, node.asText());
  }
}
