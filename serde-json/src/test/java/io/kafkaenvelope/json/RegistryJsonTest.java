package io.kafkaenvelope.json;

import static io.kafkaenvelope.json.Fixtures.MARKER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.kafkaenvelope.config.EnvelopeConfig;
import io.kafkaenvelope.serde.EnvelopeException;
import io.kafkaenvelope.testing.ApicurioRegistryExtension;
import io.kafkaenvelope.testing.KafkaExtension;
import io.kafkaenvelope.internal.wire.EnvelopeHeader;
import io.kafkaenvelope.internal.wire.WireFormat;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RecordDeserializationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Registry-framed JSON: Apicurio Registry 2.x's JSON Schema serdes (Maven Central) loaded by class
 * name through the JSON wrappers, against a registry-compatible server on loopback and a real
 * broker, with the schema id kept in the clear by {@code envelope.clear.prefix}.
 */
class RegistryJsonTest {

  @RegisterExtension static final KafkaExtension KAFKA = new KafkaExtension();

  @RegisterExtension
  static final ApicurioRegistryExtension REGISTRY = new ApicurioRegistryExtension();

  private final Map<String, Object> envelope = Fixtures.envelope();

  private Map<String, Object> settings(String clearPrefix) {
    Map<String, Object> m = new HashMap<>(envelope);
    m.put(EnvelopeConfig.INNER_SERIALIZER,
        "io.apicurio.registry.serde.jsonschema.JsonSchemaKafkaSerializer");
    m.put(EnvelopeConfig.INNER_DESERIALIZER,
        "io.apicurio.registry.serde.jsonschema.JsonSchemaKafkaDeserializer");
    m.put("apicurio.registry.url", REGISTRY.registry().url());
    m.put("apicurio.registry.auto-register", "true");
    m.put("apicurio.registry.artifact.schema.location", "json/order.schema.json");
    m.put("apicurio.registry.headers.enabled", "false");
    m.put("apicurio.registry.as-confluent", "true");
    m.put("apicurio.registry.serde.validation-enabled", "true");
    if (clearPrefix != null) {
      m.put(EnvelopeConfig.CLEAR_PREFIX, clearPrefix);
    }
    return m;
  }

  @Test
  void schemaIdReadableOnTheBrokerBodyEncryptedAndTamperingRefused() throws Exception {
    String topic = Fixtures.unique("json-registry");
    KAFKA.broker().createTopic(topic, 1);
    Map<String, Object> settings = settings("schema-id-4");
    List<ConsumerRecord<byte[], byte[]>> stored = Fixtures.sendAndReadRaw(KAFKA.broker(),
        settings, EncryptingJsonSerializer.class.getName(), topic, 3,
        i -> Fixtures.v1("j-" + i, i), MARKER, "amountCents");
    for (ConsumerRecord<byte[], byte[]> r : stored) {
      assertEquals(0x00, r.value()[0], "registry magic byte in the clear");
      assertEquals(5, EnvelopeHeader.parse(r.headers().lastHeader(WireFormat.VALUE_HEADER)
          .value()).clearPrefixLength());
    }
    ConsumerRecord<byte[], byte[]> first = stored.get(0);
    int id = ByteBuffer.wrap(first.value(), 1, 4).getInt();
    JsonNode schema = JsonMapper.builder().build().readTree(REGISTRY.registry().schema(id));
    assertEquals("Order", schema.get("title").asText(), "the clear id names the JSON schema");

    // the wrapped Apicurio deserializer (loaded by name) gets the framed JSON back
    try (KafkaConsumer<String, JsonNode> c = new KafkaConsumer<>(Fixtures.consumer(
        KAFKA.broker(), settings, DecryptingJsonDeserializer.class.getName()))) {
      List<ConsumerRecord<String, JsonNode>> got = Fixtures.drain(c, topic, 3);
      assertEquals(3, got.size());
      for (ConsumerRecord<String, JsonNode> r : got) {
        JsonNode v = JsonMapper.builder().build().valueToTree(r.value());
        assertEquals("j-" + r.key().substring(1), v.get("id").asText());
        assertEquals(MARKER + " note j-" + r.key().substring(1), v.get("note").asText());
      }
    }

    // point the clear schema id elsewhere and re-publish (plus an untouched control copy)
    byte[] forged = first.value().clone();
    ByteBuffer.wrap(forged, 1, 4).putInt(id + 1);
    Fixtures.sendRaw(KAFKA.broker(), List.of(
        new ProducerRecord<>(topic, null, first.key(), first.value(), first.headers()),
        new ProducerRecord<>(topic, null, first.key(), forged, first.headers())));
    try (KafkaConsumer<String, Object> c = new KafkaConsumer<>(Fixtures.consumer(
        KAFKA.broker(), settings, DecryptingJsonDeserializer.class.getName()))) {
      Fixtures.Refusal<Object> outcome = Fixtures.pollUntilRefusal(c, topic);
      RecordDeserializationException refused = outcome.refused();
      assertNotNull(refused, "the record with a changed schema id was refused");
      assertEquals(4, outcome.accepted().size(), "3 originals and the unchanged copy decrypt");
      assertEquals(4, refused.offset());
      EnvelopeException cause = assertInstanceOf(EnvelopeException.class, refused.getCause());
      assertEquals(EnvelopeException.Reason.TAMPERED, cause.reason());
      assertFalse(cause.getMessage().contains(MARKER));
    }
  }

  @Test
  void registryFramedJsonGivenToTheJacksonDefaultFailsClosed() {
    // A consumer of registry-framed JSON must name the registry's deserializer; one that forgets
    // and gets the Jackson default is refused with a typed error rather than fed garbage.
    String topic = Fixtures.unique("json-registry-mismatch");
    KAFKA.broker().createTopic(topic, 1);
    Map<String, Object> settings = settings(null);
    try (KafkaProducer<String, OrderV1> p = new KafkaProducer<>(Fixtures.producer(
        KAFKA.broker(), settings, EncryptingJsonSerializer.class.getName()))) {
      p.send(new ProducerRecord<>(topic, "k", Fixtures.v1("m", 1)));
      p.flush();
    }
    Map<String, Object> jackson = new HashMap<>(envelope);
    jackson.put(JsonSerdeConfig.TYPE, OrderV1.class);
    try (KafkaConsumer<String, OrderV1> c = new KafkaConsumer<>(Fixtures.consumer(
        KAFKA.broker(), jackson, DecryptingJsonDeserializer.class.getName()))) {
      c.subscribe(List.of(topic));
      RecordDeserializationException e = assertThrows(RecordDeserializationException.class, () -> {
        for (int i = 0; i < 150; i++) {
          c.poll(Duration.ofMillis(200));
        }
      });
      assertFalse(String.valueOf(e.getCause().getMessage()).contains(MARKER));
      assertTrue(e.getCause().getMessage().contains("cannot read JSON"), e.getCause().getMessage());
    }
  }
}
