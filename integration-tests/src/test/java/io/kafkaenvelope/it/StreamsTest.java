package io.kafkaenvelope.it;

import static io.kafkaenvelope.it.Clients.MARKER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkaenvelope.serde.EnvelopeSerde;
import io.kafkaenvelope.testing.KafkaBroker;
import io.kafkaenvelope.testing.KafkaExtension;
import io.kafkaenvelope.internal.wire.WireFormat;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Kafka Streams with the encrypting serde everywhere: an encrypted input topic, a state store whose
 * changelog holds inline-framed ciphertext, and an encrypted output topic. Kafka Streams 4.3+
 * passes state-store serdes the headers of the record being processed (not stored with the
 * value), which is why EnvelopeSerde frames inline by default.
 */
class StreamsTest {

  @RegisterExtension static final KafkaExtension KAFKA = new KafkaExtension();

  @Test
  void statefulTopologyOverEncryptedTopicsAndStore() throws Exception {
    KafkaBroker broker = KAFKA.broker();
    String in = Clients.unique("words");
    String out = Clients.unique("sentences");
    String appId = Clients.unique("app");
    broker.createTopic(in, 2);
    broker.createTopic(out, 2);
    Map<String, Object> envelope = Clients.envelope(Clients.unique("kms"));

    try (KafkaProducer<String, String> p = Clients.producer(broker, envelope)) {
      for (int i = 0; i < 30; i++) {
        p.send(new ProducerRecord<>(in, "user-" + (i % 3), MARKER + i));
      }
    }

    Serde<String> encrypted = new EnvelopeSerde<>(Serdes.String());
    encrypted.configure(envelope, false);
    StreamsBuilder builder = new StreamsBuilder();
    builder.stream(in, Consumed.with(Serdes.String(), encrypted))
        .groupByKey(Grouped.with(Serdes.String(), encrypted))
        .aggregate(() -> "", (key, word, agg) -> agg.isEmpty() ? word : agg + "," + word,
            Materialized.<String, String, KeyValueStore<Bytes, byte[]>>as("sentences")
                .withKeySerde(Serdes.String()).withValueSerde(encrypted))
        .toStream()
        .to(out, Produced.with(Serdes.String(), encrypted));

    Path stateDir = Files.createTempDirectory("streams-state");
    Map<String, Object> props = new HashMap<>();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, appId);
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100);
    props.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 0);
    props.put("consumer.auto.offset.reset", "earliest");
    Map<String, String> finalByUser = new HashMap<>();
    try (KafkaStreams streams = new KafkaStreams(builder.build(), new StreamsConfig(props))) {
      streams.start();
      try (KafkaConsumer<String, String> c = Clients.consumer(broker, envelope)) {
        c.subscribe(List.of(out));
        Clients.pollUntil(c, records -> {
          records.forEach(r -> finalByUser.put(r.key(), r.value()));
          records.clear();
          return finalByUser.values().stream().filter(v -> v.split(",").length == 10).count() == 3;
        });
      }
    }
    assertEquals(3, finalByUser.size(), "one aggregate per user: " + finalByUser.keySet());
    for (int u = 0; u < 3; u++) {
      String sentence = finalByUser.get("user-" + u);
      assertEquals(10, sentence.split(",").length, sentence);
      assertTrue(sentence.startsWith(MARKER + u + ","), sentence);
    }

    // What the broker holds for the output and the store's changelog is ciphertext.
    String changelog = appId + "-sentences-changelog";
    try (KafkaConsumer<byte[], byte[]> raw = Clients.rawConsumer(broker)) {
      List<ConsumerRecord<byte[], byte[]>> stored = Clients.drain(raw, changelog, 30);
      assertFalse(stored.isEmpty(), "changelog written");
      for (ConsumerRecord<byte[], byte[]> r : stored) {
        assertFalse(Clients.contains(r.value(), MARKER), "plaintext in the state changelog");
        assertTrue(Clients.contains(r.value(), "\u00feKEV"), "inline envelope in the changelog");
      }
    }
    try (KafkaConsumer<byte[], byte[]> raw = Clients.rawConsumer(broker)) {
      for (ConsumerRecord<byte[], byte[]> r : Clients.drain(raw, out, 30)) {
        assertFalse(Clients.contains(r.value(), MARKER), "plaintext in the output topic");
        // EnvelopeSerde frames inline; the input's envelope header Streams forwards is dropped
        assertTrue(Clients.contains(r.value(), "\u00feKEV"), "inline envelope in the output");
        assertNull(r.headers().lastHeader(WireFormat.VALUE_HEADER), "stale envelope header");
      }
    }
  }
}
