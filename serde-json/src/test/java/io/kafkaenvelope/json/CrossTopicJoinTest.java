package io.kafkaenvelope.json;

import static io.kafkaenvelope.json.Fixtures.MARKER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kafkaenvelope.kms.memory.InMemoryKms;
import io.kafkaenvelope.testing.KafkaExtension;
import java.nio.file.Files;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KTable;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 15's last criterion through the real embedded broker: a field encrypted
 * deterministically ({@code envelope.fields.mode.<p>=deterministic}) under the same scope name
 * ({@code envelope.fields.scope.<p>}) in two topics joins in Kafka Streams on its ciphertext,
 * read with a plain JSON serde and no keys; a third topic with another scope matches nothing.
 */
class CrossTopicJoinTest {

  @RegisterExtension static final KafkaExtension KAFKA = new KafkaExtension();

  private static final ObjectMapper PLAIN = JsonMapper.builder().build();
  private static final int N = 5;

  private final Map<String, Object> envelope = Fixtures.envelope();

  private Map<String, Object> deterministic(String pattern, String scope) {
    Map<String, Object> m = new HashMap<>(envelope);
    m.put("envelope.mode", "field");
    m.put("envelope.fields", pattern);
    m.put("envelope.fields.mode." + pattern, "deterministic");
    m.put("envelope.fields.scope." + pattern, scope);
    return m;
  }

  private static String email(int i) {
    return MARKER + "-customer-" + i + "@example.com";
  }

  private static JsonNode customer(int i, String name) {
    return PLAIN.createObjectNode().put("email", email(i)).put("name", name);
  }

  private static JsonNode order(int i) {
    ObjectNode o = PLAIN.createObjectNode().put("id", "o-" + i);
    o.putObject("customer").put("email", email(i)).put("tier", "gold");
    return o;
  }

  private List<ConsumerRecord<byte[], byte[]>> produce(String topic, Map<String, Object> settings,
      java.util.function.IntFunction<JsonNode> value) {
    KAFKA.broker().createTopic(topic, 2);
    return Fixtures.sendAndReadRaw(KAFKA.broker(), settings,
        EncryptingJsonSerializer.class.getName(), topic, N, value, MARKER);
  }

  private static TreeSet<String> sealed(List<ConsumerRecord<byte[], byte[]>> records,
      String pointer) throws Exception {
    TreeSet<String> out = new TreeSet<>();
    for (ConsumerRecord<byte[], byte[]> r : records) {
      out.add(PLAIN.readTree(r.value()).at(pointer).textValue());
    }
    return out;
  }

  @Test
  void aDeterministicFieldJoinsAcrossTwoTopicsSharingAScopeAndNotWithAnotherScope()
      throws Exception {
    String orders = Fixtures.unique("orders");
    String customers = Fixtures.unique("customers");
    String customersEu = Fixtures.unique("customers-eu");
    String out = Fixtures.unique("orders-with-names");
    KAFKA.broker().createTopic(out, 1);
    TreeSet<String> orderKeys = sealed(produce(orders,
        deterministic("customer.email", "crm-email"), CrossTopicJoinTest::order),
        "/customer/email");
    TreeSet<String> customerKeys = sealed(produce(customers,
        deterministic("email", "crm-email"), i -> customer(i, "Name " + i)), "/email");
    TreeSet<String> euKeys = sealed(produce(customersEu,
        deterministic("email", "eu-email"), i -> customer(i, "EU " + i)), "/email");
    InMemoryKms kms = InMemoryKms.named((String) envelope.get("envelope.kms.memory.name"));
    // one derivation per producer for its (KEK, scope, epoch), not per record: each producer
    // closes before the next opens, and the key cache lives while a client uses it
    assertEquals(3, kms.deriveCalls(), "3 producers, " + 3 * N + " records");
    assertEquals(3, kms.generateCalls(), "one DEK per producer, for the field header's tag");
    assertEquals(N, orderKeys.size(), "five distinct emails, five distinct ciphertexts");
    assertEquals(orderKeys, customerKeys, "same value, same scope: the same ciphertext");
    assertTrue(euKeys.stream().noneMatch(customerKeys::contains), "another scope: none equal");

    Serde<JsonNode> json = new JsonSerde<>(JsonNode.class);
    StreamsBuilder builder = new StreamsBuilder();
    KTable<String, JsonNode> byEmail = builder.stream(List.of(customers, customersEu),
            Consumed.with(Serdes.String(), json))
        .selectKey((k, v) -> v.get("email").textValue())
        .toTable(Materialized.<String, JsonNode, KeyValueStore<Bytes, byte[]>>as(
            "customers-by-email").withKeySerde(Serdes.String()).withValueSerde(json));
    builder.stream(orders, Consumed.with(Serdes.String(), json))
        .selectKey((k, v) -> v.at("/customer/email").textValue())
        .toTable(Materialized.with(Serdes.String(), json))
        .join(byEmail, (o, c) -> (JsonNode) PLAIN.createObjectNode()
            .put("order", o.get("id").textValue()).put("name", c.get("name").textValue()))
        .toStream()
        .to(out, Produced.with(Serdes.String(), json));
    Map<String, Object> props = new HashMap<>();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, Fixtures.unique("join-app"));
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.broker().bootstrapServers());
    props.put(StreamsConfig.STATE_DIR_CONFIG, Files.createTempDirectory("join-state").toString());
    props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100);
    props.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 0);
    props.put("consumer.auto.offset.reset", "earliest");
    Map<String, String> joined = new TreeMap<>();
    long entries;
    try (KafkaStreams streams = new KafkaStreams(builder.build(), new StreamsConfig(props))) {
      streams.start();
      try (KafkaConsumer<String, JsonNode> c = Fixtures.newConsumer(KAFKA.broker(),
          Map.of(JsonSerdeConfig.TYPE, JsonNode.class.getName()),
          JsonDeserializer.class.getName())) {
        for (ConsumerRecord<String, JsonNode> r : Fixtures.drain(c, out, N)) {
          assertTrue(orderKeys.contains(r.key()), "keyed by the ciphertext");
          joined.put(r.value().get("order").textValue(), r.value().get("name").textValue());
        }
      }
      entries = storeEntries(streams, 2 * N);
    }
    Map<String, String> expected = new TreeMap<>();
    for (int i = 0; i < N; i++) {
      expected.put("o-" + i, "Name " + i);
    }
    assertEquals(expected, joined, "every order found its customer, none an EU one");
    assertEquals(2 * N, entries, "the EU ciphertexts are keys of their own: they collide with "
        + "none of the shared scope's");

    // and the orders still decrypt for a reader with the key that accepts the shared scope
    Map<String, Object> reader = new HashMap<>(envelope);
    reader.put("envelope.fields.scope.customer.email", "crm-email");
    try (KafkaConsumer<String, JsonNode> c = Fixtures.newConsumer(KAFKA.broker(), reader,
        DecryptingJsonDeserializer.class.getName())) {
      for (ConsumerRecord<String, JsonNode> r : Fixtures.drain(c, orders, N)) {
        assertEquals(order(Integer.parseInt(r.key().substring(1))), r.value());
      }
    }
    assertNotEquals(customerKeys, euKeys);
    assertFalse(orderKeys.toString().contains(MARKER));
  }

  /** The store's entry count once it reaches {@code expected} (or what it holds after 60 s). */
  private static long storeEntries(KafkaStreams streams, long expected) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    long n = -1;
    while (System.nanoTime() < deadline) {
      try {
        ReadOnlyKeyValueStore<String, JsonNode> store = streams.store(StoreQueryParameters
            .fromNameAndType("customers-by-email", QueryableStoreTypes.keyValueStore()));
        n = 0;
        try (KeyValueIterator<String, JsonNode> it = store.all()) {
          while (it.hasNext()) {
            KeyValue<String, JsonNode> kv = it.next();
            assertFalse(kv.key.contains(MARKER));
            n++;
          }
        }
        if (n >= expected) {
          return n;
        }
      } catch (InvalidStateStoreException e) {
        // rebalancing or restoring: ask again
      }
      Thread.sleep(100);
    }
    return n;
  }
}
