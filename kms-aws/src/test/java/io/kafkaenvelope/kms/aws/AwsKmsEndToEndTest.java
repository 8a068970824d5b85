package io.kafkaenvelope.kms.aws;

import static io.kafkaenvelope.testing.EnvelopeFixtures.drain;
import static io.kafkaenvelope.testing.EnvelopeFixtures.newConsumer;
import static io.kafkaenvelope.testing.EnvelopeFixtures.newProducer;
import static io.kafkaenvelope.testing.EnvelopeFixtures.assertRefused;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkaenvelope.serde.DecryptingDeserializer;
import io.kafkaenvelope.serde.EncryptingSerializer;
import io.kafkaenvelope.testing.KafkaBroker;
import io.kafkaenvelope.testing.KafkaExtension;
import io.kafkaenvelope.testing.KmsScenarios;
import io.kafkaenvelope.internal.wire.EnvelopeHeader;
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
 * kms.type=aws-kms end to end: real producer and consumer, real broker, the SDK against the fake
 * KMS.
 */
class AwsKmsEndToEndTest {

  @RegisterExtension static final KafkaExtension KAFKA = new KafkaExtension();
  static final String MARKER = "AWS-E2E-PLAINTEXT";
  static final String INTRUDER_SECRET = "intruder-secret-never-printed-0001";

  static FakeAwsKms fake;

  @BeforeAll
  static void start() throws Exception {
    fake = new FakeAwsKms("eu-west-1");
    fake.allowCredentials(AwsKmsTest.ACCESS_KEY, AwsKmsTest.SECRET);
    fake.createKey("orders");
  }

  @AfterAll
  static void stop() {
    fake.close();
  }

  private Map<String, Object> envelope() {
    Map<String, Object> c = new HashMap<>();
    c.put("envelope.kms.type", "aws-kms");
    c.put("envelope.kms.aws.region", "eu-west-1");
    c.put("envelope.kms.aws.endpoint", fake.endpoint());
    c.put("envelope.kms.aws.access.key.id", AwsKmsTest.ACCESS_KEY);
    c.put("envelope.kms.aws.secret.access.key", AwsKmsTest.SECRET);
    c.put("envelope.kms.aws.max.attempts", "2");
    c.put("envelope.kek.id", "alias/orders");
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
  void recordsStoredAsCiphertextWithOneKmsCallPerDek() {
    Map<String, Object> env = envelope();
    fake.resetCounters();
    Set<String> deks = new HashSet<>();
    for (EnvelopeHeader h : KmsScenarios.writeThreeDataKeys(KAFKA.broker(), "aws-orders", env,
        MARKER, EnvelopeHeader::parse)) {
      assertEquals("alias/orders", h.kekId());
      assertTrue(h.kekVersion().startsWith("arn:aws:kms:eu-west-1:"), h.kekVersion());
      deks.add(h.dekIdHex());
    }
    assertEquals(3, deks.size(), "one DEK per 100 records");
    int generate = fake.calls("GenerateDataKey");
    assertTrue(generate == deks.size() || generate == deks.size() + 1,
        "one GenerateDataKey per DEK (+1 prefetched): " + generate);
    KmsScenarios.readAll(KAFKA.broker(), "aws-orders", KmsScenarios.RECORDS, env, MARKER);
    assertEquals(deks.size(), fake.calls("Decrypt"), "one Decrypt per distinct DEK");
  }

  @Test
  void throttlingStormDuringRotationKeepsTheCurrentDekThenFailsClosed() throws Exception {
    KmsScenarios.throttlingStorm(KAFKA.broker(), "aws-throttle", envelope(), MARKER,
        () -> fake.failNext(1000, "ThrottlingException"), fake::clearFailures);
  }

  @Test
  void accessDeniedOnTheConsumerIsClearAndNotRetried() {
    KafkaBroker broker = KAFKA.broker();
    broker.createTopic("aws-denied", 1);
    Map<String, Object> env = envelope();
    try (KafkaProducer<String, String> p = producer(env)) {
      p.send(new ProducerRecord<>("aws-denied", MARKER));
    }
    fake.resetCounters();
    fake.denyOperation("Decrypt");
    Map<String, Object> consumerEnv = envelope();
    consumerEnv.put("envelope.kms.aws.connect.timeout.ms", "1999"); // a cache scope of its own
    try (KafkaConsumer<String, String> c = consumer(consumerEnv, DecryptingDeserializer.class)) {
      assertRefused(c, "aws-denied", 0, "ACCESS_DENIED", MARKER, "alias/orders");
    } finally {
      fake.denyOperation(null);
    }
    assertEquals(1, fake.calls("Decrypt"), "AccessDenied is not retried");
  }

  /**
   * Another account whose key lets anyone Decrypt writes records into the consumer's topic under
   * that key. KMS would unwrap them for the consumer; the consumer KEK policy must refuse them
   * before any KMS call, unless discovery is on and the filter names that account.
   */
  @Test
  void recordsUnderAnotherAccountsKeyAreRefusedBeforeAnyDecryptUnlessTheFilterAdmitsIt() {
    String topic = "aws-foreign";
    KAFKA.broker().createTopic(topic, 1);
    String otherAccount = "444455556666";
    fake.allowCredentials("AKIAINTRUDER00000001", INTRUDER_SECRET, otherAccount);
    String foreignKey = fake.createKey(otherAccount, null);
    fake.keyPolicy(foreignKey, "Decrypt", "*");
    try (KafkaProducer<String, String> own = producer(envelope())) {
      for (int i = 0; i < 3; i++) {
        own.send(new ProducerRecord<>(topic, "own" + i, MARKER + "own" + i));
      }
    }
    Map<String, Object> intruder = envelope();
    intruder.put("envelope.kms.aws.access.key.id", "AKIAINTRUDER00000001");
    intruder.put("envelope.kms.aws.secret.access.key", INTRUDER_SECRET);
    intruder.put("envelope.kek.id", foreignKey); // another account's key is named by its ARN
    try (KafkaProducer<String, String> p = producer(intruder)) {
      for (int i = 0; i < 5; i++) {
        p.send(new ProducerRecord<>(topic, "forged" + i, MARKER + "forged" + i));
      }
    }

    // strict (the default): the topic's own records, then KEK_NOT_ALLOWED without a Decrypt
    fake.resetCounters();
    Map<String, Object> strict = envelope();
    strict.put("envelope.kms.aws.connect.timeout.ms", "1997"); // a cache scope of its own
    assertRefusedAfterOwnRecords(strict, topic, foreignKey);
    assertEquals(0, fake.decryptsOf(foreignKey), "no Decrypt for the refused records");
    assertEquals(1, fake.calls("Decrypt"), "only the consumer's own DEK");

    // discovery with a filter that does not name the other account: refused the same way
    fake.resetCounters();
    Map<String, Object> filtered = envelope();
    filtered.put("envelope.kms.aws.connect.timeout.ms", "1996");
    filtered.put("envelope.kek.discovery", "true");
    filtered.put("envelope.kms.aws.discovery.account.ids", FakeAwsKms.ACCOUNT + ",777788889999");
    assertRefusedAfterOwnRecords(filtered, topic, foreignKey);
    assertEquals(0, fake.decryptsOf(foreignKey), "no Decrypt for records the filter refuses");

    // discovery whose filter names the other account: everything is read
    fake.resetCounters();
    Map<String, Object> admitted = envelope();
    admitted.put("envelope.kms.aws.connect.timeout.ms", "1995");
    admitted.put("envelope.kek.discovery", "true");
    admitted.put("envelope.kms.aws.discovery.account.ids", otherAccount);
    try (KafkaConsumer<String, String> c = consumer(admitted, DecryptingDeserializer.class)) {
      List<ConsumerRecord<String, String>> got = drain(c, topic, 8);
      assertEquals(8, got.size());
      assertEquals(5, got.stream().filter(r -> r.value().startsWith(MARKER + "forged")).count());
    }
    assertEquals(1, fake.decryptsOf(foreignKey), "one Decrypt for the other account's DEK");
  }

  private void assertRefusedAfterOwnRecords(Map<String, Object> env, String topic,
      String foreignKey) {
    try (KafkaConsumer<String, String> c = consumer(env, DecryptingDeserializer.class)) {
      assertEquals(List.of(MARKER + "own0", MARKER + "own1", MARKER + "own2"),
          assertRefused(c, topic, 3, "KEK_NOT_ALLOWED", MARKER, foreignKey));
    }
  }

}
