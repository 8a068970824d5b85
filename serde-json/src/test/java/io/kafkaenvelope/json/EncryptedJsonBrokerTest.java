package io.kafkaenvelope.json;

import static io.kafkaenvelope.json.Fixtures.MARKER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.kafkaenvelope.testing.KafkaExtension;
import io.kafkaenvelope.internal.wire.EnvelopeHeader;
import io.kafkaenvelope.internal.wire.InlineFrame;
import io.kafkaenvelope.internal.wire.WireFormat;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The Jackson serdes with encryption, through a real broker. */
class EncryptedJsonBrokerTest {

  @RegisterExtension static final KafkaExtension KAFKA = new KafkaExtension();

  private final Map<String, Object> envelope = Fixtures.envelope();

  @Test
  void v1PojosWrittenEncryptedAreReadAsV2PojosAndAsTreesAndTheBrokerHoldsNoPlaintext() {
    String topic = Fixtures.unique("orders-json");
    KAFKA.broker().createTopic(topic, 2);
    int n = 40;
    for (ConsumerRecord<byte[], byte[]> r : Fixtures.sendAndReadRaw(KAFKA.broker(), envelope,
        EncryptingJsonSerializer.class.getName(), topic, n, i -> Fixtures.v1("o-" + i, 100L + i),
        MARKER, "amountCents")) {
      assertNotNull(EnvelopeHeader.parse(
          r.headers().lastHeader(WireFormat.VALUE_HEADER).value()));
    }
    Map<String, Object> asV2 = new HashMap<>(envelope);
    asV2.put(JsonSerdeConfig.TYPE, OrderV2.class.getName());
    try (KafkaConsumer<String, OrderV2> c = new KafkaConsumer<>(Fixtures.consumer(
        KAFKA.broker(), asV2, DecryptingJsonDeserializer.class.getName()))) {
      List<ConsumerRecord<String, OrderV2>> got = Fixtures.drain(c, topic, n);
      assertEquals(n, got.size());
      for (ConsumerRecord<String, OrderV2> r : got) {
        int i = Integer.parseInt(r.key().substring(1));
        assertEquals("o-" + i, r.value().id);
        assertEquals(100L + i, r.value().amountCents);
        assertEquals(MARKER + " note o-" + i, r.value().note);
        assertEquals("EUR", r.value().currency, "v2 default for a v1 record");
      }
    }
    try (KafkaConsumer<String, JsonNode> c = new KafkaConsumer<>(Fixtures.consumer(
        KAFKA.broker(), envelope, DecryptingJsonDeserializer.class.getName()))) {
      List<ConsumerRecord<String, JsonNode>> got = Fixtures.drain(c, topic, n);
      assertEquals(n, got.size());
      assertTrue(got.stream().allMatch(r -> r.value().get("note").asText().startsWith(MARKER)));
    }
  }

  @Test
  void streamsSerdeFramesInlineWithoutHeaders() {
    Map<String, Object> c = new HashMap<>(envelope);
    c.put(JsonSerdeConfig.TYPE, OrderV1.class);
    try (EncryptingJsonSerde<OrderV1> serde = new EncryptingJsonSerde<>()) {
      serde.configure(c, false);
      byte[] wire = serde.serializer().serialize("store", Fixtures.v1("st", 1));
      assertTrue(InlineFrame.isInline(wire));
      assertFalse(Fixtures.contains(wire, MARKER));
      assertEquals(Fixtures.v1("st", 1), serde.deserializer().deserialize("store", wire));
      assertNull(serde.serializer().serialize("store", null));
    }
  }
}
