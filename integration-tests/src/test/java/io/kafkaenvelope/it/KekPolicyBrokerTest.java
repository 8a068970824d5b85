package io.kafkaenvelope.it;

import static io.kafkaenvelope.it.Clients.MARKER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.kafkaenvelope.serde.EnvelopeException;
import io.kafkaenvelope.testing.KafkaBroker;
import io.kafkaenvelope.testing.KafkaExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RecordDeserializationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13 through the broker: a producer holding another KEK (here another topic's keyset in the
 * local KMS's directory) writes into a topic; a consumer configured with the producers' own
 * properties refuses those records before any KMS call, and reads them only with discovery on.
 */
class KekPolicyBrokerTest {

  @RegisterExtension static final KafkaExtension KAFKA = new KafkaExtension();

  @TempDir Path keysets;

  private KafkaBroker broker() {
    return KAFKA.broker();
  }

  /** The one properties file the orders producers and consumers share. */
  private Map<String, Object> shared() {
    Map<String, Object> m = new HashMap<>(Clients.envelope("unused"));
    m.remove("envelope.kms.memory.name");
    m.remove("envelope.kek.id");
    m.put("envelope.kms.type", "local");
    m.put("envelope.kms.local.keyset.dir", keysets.toString());
    m.put("envelope.kms.local.create.missing", true);
    m.put("envelope.kek.id.template", "kafka-${topic}");
    return m;
  }

  @Test
  void recordsForgedUnderAnotherTopicsKekAreRefusedUnlessDiscoveryIsOn() throws Exception {
    String topic = Clients.unique("orders");
    broker().createTopic(topic, 1);
    Map<String, Object> attacker = new HashMap<>(shared());
    attacker.remove("envelope.kek.id.template");
    attacker.put("envelope.kek.id", "kafka-payments"); // the payments producer's own KEK
    try (KafkaProducer<String, String> genuine = Clients.producer(broker(), shared());
        KafkaProducer<String, String> forger = Clients.producer(broker(), attacker)) {
      for (int i = 0; i < 3; i++) {
        genuine.send(new ProducerRecord<>(topic, MARKER + "-genuine-" + i)).get(30,
            TimeUnit.SECONDS);
        forger.send(new ProducerRecord<>(topic, MARKER + "-forged-" + i)).get(30,
            TimeUnit.SECONDS);
      }
    }
    // Take the forger's keyset away: a consumer that asked the KMS would now fail UNKNOWN_KEY.
    // KEK_NOT_ALLOWED shows the record was refused before any KMS call.
    Path forgerKeyset = keysets.resolve("kafka-payments.json");
    Path aside = Files.move(forgerKeyset, keysets.resolve("aside"));
    Outcome strict = consume(topic, shared());
    assertEquals(List.of(MARKER + "-genuine-0", MARKER + "-genuine-1", MARKER + "-genuine-2"),
        strict.values);
    assertEquals(List.of(EnvelopeException.Reason.KEK_NOT_ALLOWED,
        EnvelopeException.Reason.KEK_NOT_ALLOWED, EnvelopeException.Reason.KEK_NOT_ALLOWED),
        strict.refusals);

    Files.move(aside, forgerKeyset);
    Map<String, Object> discovery = new HashMap<>(shared());
    discovery.put("envelope.kek.discovery", true);
    Outcome open = consume(topic, discovery);
    assertEquals(6, open.values.size(), "discovery accepts any KEK the KMS unwraps");
    assertEquals(List.of(), open.refusals);
  }

  private record Outcome(List<String> values, List<EnvelopeException.Reason> refusals) {}

  /** Reads the six records, skipping (and noting) each one the deserializer refuses. */
  private Outcome consume(String topic, Map<String, Object> envelope) {
    List<String> values = new ArrayList<>();
    List<EnvelopeException.Reason> refusals = new ArrayList<>();
    try (KafkaConsumer<String, String> c = Clients.consumer(broker(), envelope)) {
      c.subscribe(List.of(topic));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (values.size() + refusals.size() < 6 && System.nanoTime() < deadline) {
        try {
          for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(500))) {
            values.add(r.value());
          }
        } catch (RecordDeserializationException e) {
          refusals.add(assertInstanceOf(EnvelopeException.class, e.getCause()).reason());
          c.seek(e.topicPartition(), e.offset() + 1);
        }
      }
    }
    return new Outcome(values, refusals);
  }
}
