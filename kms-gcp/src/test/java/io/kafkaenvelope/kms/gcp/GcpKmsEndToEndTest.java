package io.kafkaenvelope.kms.gcp;

import static io.kafkaenvelope.testing.EnvelopeFixtures.drain;
import static io.kafkaenvelope.testing.EnvelopeFixtures.newConsumer;
import static io.kafkaenvelope.testing.EnvelopeFixtures.newProducer;
import static io.kafkaenvelope.testing.EnvelopeFixtures.assertRefused;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.kafkaenvelope.internal.wire.EnvelopeHeader;
import io.kafkaenvelope.serde.DecryptingDeserializer;
import io.kafkaenvelope.serde.EncryptingSerializer;
import io.kafkaenvelope.testing.KafkaExtension;
import io.kafkaenvelope.testing.KmsScenarios;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * kms.type=gcp-kms end to end: real producer and consumer, real broker, Google's client over TLS
 * against the loopback {@link FakeGcpKms}, authenticated with a service-account key file.
 */
class GcpKmsEndToEndTest {

  @RegisterExtension static final KafkaExtension KAFKA = new KafkaExtension();
  static final String MARKER = "GCP-E2E-PLAINTEXT";

  static FakeGcpKms fake;
  static Path keyFile;
  static String orders;

  @BeforeAll
  static void start() throws Exception {
    fake = new FakeGcpKms();
    keyFile = fake.serviceAccount("app@" + FakeGcpKms.PROJECT + ".iam.gserviceaccount.com");
    orders = fake.createKey("e2e-orders");
  }

  @AfterAll
  static void stop() {
    fake.close();
  }

  /** {@code scope} makes the settings differ so that consumers do not share a DEK cache. */
  private Map<String, Object> envelope(String kek, int scope) {
    Map<String, Object> c = new HashMap<>(GcpKmsTest.config(fake, keyFile));
    c.put("envelope.kms.type", "gcp-kms");
    c.put(GcpKmsConfig.MAX_ATTEMPTS, "2");
    c.put(GcpKmsConfig.RPC_TIMEOUT_MS, String.valueOf(5_000 - scope));
    c.put("envelope.kek.id", kek);
    c.put("envelope.inner.serializer", StringSerializer.class.getName());
    c.put("envelope.inner.deserializer", StringDeserializer.class.getName());
    return c;
  }

  private KafkaProducer<String, String> producer(Map<String, Object> envelope) {
    return newProducer(KAFKA.broker(), envelope, EncryptingSerializer.class.getName());
  }

  private <V> KafkaConsumer<String, V> consumer(Map<String, Object> envelope, Class<?> deser) {
    return newConsumer(KAFKA.broker(), envelope, deser.getName());
  }

  @Test
  void recordsStoredAsCiphertextWithOneEncryptPerDekAndOneDecryptPerDistinctDek() {
    fake.resetCounters();
    Set<String> deks = new HashSet<>();
    for (EnvelopeHeader h : KmsScenarios.writeThreeDataKeys(KAFKA.broker(), "gcp-orders",
        envelope(orders, 1), MARKER, EnvelopeHeader::parse)) {
      assertEquals(orders, h.kekId());
      assertEquals(orders + "/cryptoKeyVersions/1", h.kekVersion());
      deks.add(h.dekIdHex());
    }
    assertEquals(3, deks.size(), "one DEK per 100 records");
    int encrypts = fake.calls("Encrypt");
    assertTrue(encrypts == deks.size() || encrypts == deks.size() + 1,
        "one Encrypt per DEK (+1 prefetched): " + encrypts);
    for (int consumer = 0; consumer < 2; consumer++) {
      fake.resetCounters();
      KmsScenarios.readAll(KAFKA.broker(), "gcp-orders", KmsScenarios.RECORDS,
          envelope(orders, 10 + consumer), MARKER);
      assertEquals(deks.size(), fake.calls("Decrypt"), "one Decrypt per distinct DEK, consumer "
          + consumer);
    }
  }

  @Test
  void rotatingTheCloudKeyMidStreamKeepsOldRecordsReadable() {
    String key = fake.createKey("e2e-rotating");
    String topic = "gcp-rotation";
    KAFKA.broker().createTopic(topic, 1);
    try (KafkaProducer<String, String> p = producer(envelope(key, 20))) {
      for (int i = 0; i < 10; i++) {
        p.send(new ProducerRecord<>(topic, MARKER + "old" + i));
      }
    }
    assertEquals(key + "/cryptoKeyVersions/2", fake.rotate(key));
    try (KafkaProducer<String, String> p = producer(envelope(key, 21))) {
      for (int i = 0; i < 10; i++) {
        p.send(new ProducerRecord<>(topic, MARKER + "new" + i));
      }
    }
    List<String> versions = new ArrayList<>();
    KmsScenarios.storedHeaders(KAFKA.broker(), topic, 20, MARKER, EnvelopeHeader::parse)
        .forEach(h -> versions.add(h.kekVersion()));
    assertEquals(key + "/cryptoKeyVersions/1", versions.get(0));
    assertEquals(key + "/cryptoKeyVersions/2", versions.get(19));
    fake.resetCounters();
    try (KafkaConsumer<String, String> c = consumer(envelope(key, 22),
        DecryptingDeserializer.class)) {
      List<ConsumerRecord<String, String>> got = drain(c, topic, 20);
      assertEquals(20, got.size());
      assertEquals(MARKER + "old0", got.get(0).value());
      assertEquals(MARKER + "new9", got.get(19).value());
    }
    assertEquals(2, fake.calls("Decrypt"), "one per DEK, under either version");
  }

  @Test
  void aThrottlingStormIsSurvivedByTheCurrentDekThenFailsClosed() throws Exception {
    RuntimeException cause = KmsScenarios.throttlingStorm(KAFKA.broker(), "gcp-throttle",
        envelope(orders, 30), MARKER, () -> {
          fake.resetCounters();
          fake.failNext(1000, Status.Code.RESOURCE_EXHAUSTED);
        }, fake::clearFailures);
    assertTrue(cause.getMessage().contains("THROTTLED"), cause.getMessage());
    int encrypts = fake.calls("Encrypt");
    assertTrue(encrypts >= 2 && encrypts % 2 == 0 && encrypts <= 4,
        "each refresh tries max.attempts=2 times, then the failure backoff holds: " + encrypts);
  }

  @Test
  void permissionDeniedOnTheConsumerIsNamedAndNotRetried() {
    String topic = "gcp-denied";
    KAFKA.broker().createTopic(topic, 1);
    try (KafkaProducer<String, String> p = producer(envelope(orders, 40))) {
      p.send(new ProducerRecord<>(topic, MARKER));
    }
    fake.resetCounters();
    fake.denyOperation("Decrypt");
    try (KafkaConsumer<String, String> c = consumer(envelope(orders, 41),
        DecryptingDeserializer.class)) {
      assertRefused(c, topic, 0, "ACCESS_DENIED", MARKER, orders,
          "cloudkms.cryptoKeyVersions.useToDecrypt");
    } finally {
      fake.denyOperation(null);
    }
    assertEquals(1, fake.calls("Decrypt"), "PERMISSION_DENIED is not retried");
  }

  /**
   * Someone whose key in another project lets the consumer decrypt writes records into the
   * consumer's topic. The consumer KEK policy refuses them before any Decrypt, unless discovery
   * is on and its project filter names that project.
   */
  @Test
  void recordsUnderAnotherProjectsKeyAreRefusedBeforeAnyDecryptUnlessTheFilterAdmitsIt() {
    String topic = "gcp-foreign";
    KAFKA.broker().createTopic(topic, 1);
    String foreign = fake.createKeyNamed(
        "projects/intruder/locations/europe-west1/keyRings/kafka/cryptoKeys/orders");
    try (KafkaProducer<String, String> own = producer(envelope(orders, 50))) {
      for (int i = 0; i < 3; i++) {
        own.send(new ProducerRecord<>(topic, MARKER + "own" + i));
      }
    }
    try (KafkaProducer<String, String> p = producer(envelope(foreign, 51))) {
      for (int i = 0; i < 5; i++) {
        p.send(new ProducerRecord<>(topic, MARKER + "forged" + i));
      }
    }
    fake.resetCounters();
    assertRefusedAfterOwnRecords(envelope(orders, 52), topic, foreign);
    assertEquals(1, fake.calls("Decrypt"), "only the consumer's own DEK");

    fake.resetCounters();
    Map<String, Object> filtered = envelope(orders, 53);
    filtered.put("envelope.kek.discovery", "true");
    filtered.put(GcpKmsConfig.DISCOVERY_PROJECTS, FakeGcpKms.PROJECT + ",other");
    assertRefusedAfterOwnRecords(filtered, topic, foreign);
    assertEquals(1, fake.calls("Decrypt"), "no Decrypt for records the filter refuses");

    fake.resetCounters();
    Map<String, Object> admitted = envelope(orders, 54);
    admitted.put("envelope.kek.discovery", "true");
    admitted.put(GcpKmsConfig.DISCOVERY_PROJECTS, FakeGcpKms.PROJECT + ",intruder");
    try (KafkaConsumer<String, String> c = consumer(admitted, DecryptingDeserializer.class)) {
      List<ConsumerRecord<String, String>> got = drain(c, topic, 8);
      assertEquals(8, got.size());
      assertEquals(5, got.stream().filter(r -> r.value().startsWith(MARKER + "forged")).count());
    }
    assertEquals(2, fake.calls("Decrypt"), "one Decrypt per DEK, the other project's too");
  }

  private void assertRefusedAfterOwnRecords(Map<String, Object> env, String topic,
      String foreignKey) {
    try (KafkaConsumer<String, String> c = consumer(env, DecryptingDeserializer.class)) {
      assertEquals(List.of(MARKER + "own0", MARKER + "own1", MARKER + "own2"),
          assertRefused(c, topic, 3, "KEK_NOT_ALLOWED", MARKER, foreignKey));
    }
  }

}
