package io.kafkaenvelope.examples.spring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.kafkaenvelope.serde.DecryptingDeserializer;
import io.kafkaenvelope.serde.EncryptingSerializer;
import io.kafkaenvelope.testing.EnvelopeFixtures;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

/**
 * docs/spring-boot.md: spring-kafka's JsonSerializer as the inner serializer writes the value's
 * class name into a record header, which is not encrypted, unless
 * {@code spring.json.add.type.headers=false}; the consumer then names the type itself.
 */
class JsonTypeHeaderTest {

  /** A value type whose name should not be on the wire. */
  public record CardTransaction(String card, long cents) {}

  private static final String TYPE_HEADER = "__TypeId__";

  private static Map<String, Object> settings(Map<String, Object> envelope, boolean typeHeaders) {
    envelope.put("envelope.inner.serializer",
        "org.springframework.kafka.support.serializer.JsonSerializer");
    envelope.put("envelope.inner.deserializer",
        "org.springframework.kafka.support.serializer.JsonDeserializer");
    envelope.put("spring.json.add.type.headers", typeHeaders);
    envelope.put("spring.json.value.default.type", CardTransaction.class.getName());
    envelope.put("spring.json.trusted.packages", CardTransaction.class.getPackageName());
    return envelope;
  }

  @Test
  void theTypeHeaderIsWrittenInClearUnlessTurnedOff() {
    Map<String, Object> envelope = EnvelopeFixtures.inMemoryEnvelope("json");
    CardTransaction tx = new CardTransaction("4111-PLAINTEXT-MARKER", 1234);
    for (boolean typeHeaders : new boolean[] {true, false}) {
      Map<String, Object> m = settings(new HashMap<>(envelope), typeHeaders);
      RecordHeaders headers = new RecordHeaders();
      byte[] value;
      try (EncryptingSerializer<Object> s = new EncryptingSerializer<>()) {
        s.configure(m, false);
        value = s.serialize("payments", headers, tx);
      }
      assertNotNull(headers.lastHeader("kafka-envelope.value"), "encrypted");
      assertFalse(EnvelopeFixtures.contains(value, "PLAINTEXT-MARKER"));
      if (typeHeaders) {
        assertNotNull(headers.lastHeader(TYPE_HEADER));
        assertEquals(CardTransaction.class.getName(),
            new String(headers.lastHeader(TYPE_HEADER).value(), StandardCharsets.UTF_8),
            "the class name travels in clear");
      } else {
        assertNull(headers.lastHeader(TYPE_HEADER));
      }
      try (DecryptingDeserializer<Object> d = new DecryptingDeserializer<>()) {
        d.configure(m, false);
        assertEquals(tx, d.deserialize("payments", headers, value));
      }
    }
  }
}
