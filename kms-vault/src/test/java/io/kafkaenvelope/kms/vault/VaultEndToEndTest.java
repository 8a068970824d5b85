package io.kafkaenvelope.kms.vault;

import static io.kafkaenvelope.testing.EnvelopeFixtures.drain;
import static io.kafkaenvelope.testing.EnvelopeFixtures.newConsumer;
import static io.kafkaenvelope.testing.EnvelopeFixtures.newProducer;
import static io.kafkaenvelope.testing.EnvelopeFixtures.assertRefused;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkaenvelope.serde.DecryptingDeserializer;
import io.kafkaenvelope.serde.EncryptingSerializer;
import io.kafkaenvelope.serde.EnvelopeException;
import io.kafkaenvelope.testing.KafkaExtension;
import io.kafkaenvelope.testing.KmsScenarios;
import io.kafkaenvelope.internal.wire.EnvelopeHeader;
import io.kafkaenvelope.internal.wire.WireFormat;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RecordDeserializationException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code envelope.kms.type=vault-transit} end to end: real producers and consumers on the embedded
 * broker, each logging in to the fake Vault with its own AppRole whose policy is the minimal one
 * from docs/kms-vault.md (producer: datakey/plaintext only; consumer: decrypt only), and the
 * forgery a glob decrypt policy allows, stopped by the consumer KEK policy.
 */
class VaultEndToEndTest {

  @RegisterExtension static final KafkaExtension KAFKA = new KafkaExtension();
  static final String MARKER = "VAULT-E2E-PLAINTEXT";
  static final String PRODUCER_SECRET_ID = "producer-secret-id-never-printed-0010";
  static final String CONSUMER_SECRET_ID = "consumer-secret-id-never-printed-0011";

  static FakeVault vault;

  @BeforeAll
  static void start() throws Exception {
    vault = new FakeVault();
    vault.createKey("transit", "orders", false);
    vault.addAppRole("producer-role", PRODUCER_SECRET_ID, 600_000, 0, true,
        List.of("transit/datakey/plaintext/orders"));
    vault.addAppRole("consumer-role", CONSUMER_SECRET_ID, 600_000, 0, true,
        List.of("transit/decrypt/orders",
        "transit/keys/orders")); // read: the check at configure()
  }

  @AfterAll
  static void stop() {
    vault.close();
  }

  private static Map<String, Object> envelope(String roleId, String secretId) {
    Map<String, Object> c = new HashMap<>();
    c.put("envelope.kms.type", "vault-transit");
    c.put("envelope.kms.vault.address", vault.address());
    c.put("envelope.kms.vault.auth.method", "approle");
    c.put("envelope.kms.vault.approle.role.id", roleId);
    c.put("envelope.kms.vault.approle.secret.id", secretId);
    c.put("envelope.kms.vault.retry.backoff.ms", "5");
    c.put("envelope.kek.id", "orders");
    c.put("envelope.inner.serializer", StringSerializer.class.getName());
    c.put("envelope.inner.deserializer", StringDeserializer.class.getName());
    return c;
  }

  private static Map<String, Object> producerEnv() {
    return envelope("producer-role", PRODUCER_SECRET_ID);
  }

  /** Consumers made so far; each one's count gives it a DEK cache scope of its own. */
  private static final AtomicInteger CONSUMERS = new AtomicInteger();

  /**
   * A connect timeout no other consumer in this run uses: the DEK cache is scoped by the KMS
   * settings, so a distinct (harmless) value gives a consumer a cache of its own.
   */
  private static int cacheScope() {
    return 1000 + CONSUMERS.incrementAndGet();
  }

  private static Map<String, Object> consumerEnv() {
    Map<String, Object> c = envelope("consumer-role", CONSUMER_SECRET_ID);
    // a DEK cache scope of its own per consumer, so every test counts its own decrypts
    c.put("envelope.kms.vault.connect.timeout.ms", String.valueOf(cacheScope()));
    return c;
  }

  private KafkaProducer<String, String> producer(Map<String, Object> envelope) {
    return newProducer(KAFKA.broker(), envelope, EncryptingSerializer.class.getName());
  }

  private <V> KafkaConsumer<String, V> consumer(Map<String, Object> envelope, Class<?> deser) {
    return newConsumer(KAFKA.broker(), envelope, deser.getName());
  }

  /**
   * Reads the topic raw: checks no plaintext and the KEK id, adds each record's DEK id to {@code
   * deks} and returns the KEK version of every record.
   */
  private List<String> rawVersions(String topic, int n, Set<String> deks) {
    List<String> versions = new ArrayList<>();
    for (EnvelopeHeader h : KmsScenarios.storedHeaders(KAFKA.broker(), topic, n, MARKER,
        EnvelopeHeader::parse)) {
      assertEquals("orders", h.kekId());
      versions.add(h.kekVersion());
      deks.add(h.dekIdHex());
    }
    assertEquals(n, versions.size(), "exactly the records sent reached the broker");
    return versions;
  }

  private List<String> readDecrypted(String topic, int n) {
    return KmsScenarios.readAll(KAFKA.broker(), topic, n, consumerEnv(), MARKER);
  }

  @Test
  void recordsAreCiphertextOnTheBrokerWithOneDatakeyPerDekAndOneDecryptPerDek() {
    vault.resetCounters();
    Set<String> deks = new HashSet<>();
    Set<String> versions = new HashSet<>();
    for (EnvelopeHeader h : KmsScenarios.writeThreeDataKeys(KAFKA.broker(), "vault-orders",
        producerEnv(), MARKER, EnvelopeHeader::parse)) {
      assertEquals("orders", h.kekId());
      versions.add(h.kekVersion());
      deks.add(h.dekIdHex());
    }
    assertEquals(3, deks.size(), "one DEK per 100 records");
    assertEquals(Set.of("v1"), versions, "the Transit key version is in the header");
    int datakeys = vault.calls("datakey/plaintext");
    assertTrue(datakeys == deks.size() || datakeys == deks.size() + 1,
        "one datakey per DEK (+1 prefetched): " + datakeys);
    assertEquals(1, vault.calls("login/approle"));
    List<String> got = readDecrypted("vault-orders", KmsScenarios.RECORDS);
    assertEquals(KmsScenarios.RECORDS, new HashSet<>(got).size());
    assertEquals(deks.size(), vault.calls("decrypt"), "one decrypt per distinct DEK");
    assertEquals(2, vault.calls("login/approle"), "one login per client");
  }

  @Test
  void transitKeyRotationMidStreamNewDeksUseTheNewVersionOldRecordsStillDecrypt()
      throws Exception {
    vault.createKey("transit", "orders-rotating", false);
    vault.addAppRole("rot-producer", PRODUCER_SECRET_ID, 600_000, 0, true,
        List.of("transit/datakey/plaintext/orders-rotating"));
    vault.addAppRole("rot-consumer", CONSUMER_SECRET_ID, 600_000, 0, true,
        List.of("transit/decrypt/orders-rotating",
        "transit/keys/orders-rotating"));
    KAFKA.broker().createTopic("vault-rotation", 1);
    Map<String, Object> env = envelope("rot-producer", PRODUCER_SECRET_ID);
    env.put("envelope.kek.id", "orders-rotating");
    env.put("envelope.dek.max.age.ms", 1_000L);
    try (KafkaProducer<String, String> p = producer(env)) {
      for (int i = 0; i < 40; i++) {
        p.send(new ProducerRecord<>("vault-rotation", MARKER + "a" + i)).get();
      }
      vault.rotate("transit", "orders-rotating"); // mid-stream, the producer is not told
      // The data key in use, and one the producer may have fetched ahead before the rotation,
      // were made under v1. Retire both, whatever this machine's speed: past the age limit, one
      // send activates the next key (a fetched-ahead v1 key, or a v2 one) with no send near its
      // own refresh point, and past the limit again no key made before the rotation is left.
      Thread.sleep(1_300);
      p.send(new ProducerRecord<>("vault-rotation", MARKER + "between")).get();
      Thread.sleep(1_300);
      for (int i = 0; i < 40; i++) {
        p.send(new ProducerRecord<>("vault-rotation", MARKER + "b" + i)).get();
      }
    }
    Set<String> deks = new HashSet<>();
    List<String> versions = new ArrayList<>();
    try (KafkaConsumer<String, byte[]> raw = consumer(Map.of(), ByteArrayDeserializer.class)) {
      for (ConsumerRecord<String, byte[]> r : drain(raw, "vault-rotation", 81)) {
        if (r.offset() == 40) {
          continue; // the record between the two waits, under whichever key was next
        }
        EnvelopeHeader h = EnvelopeHeader.parse(
            r.headers().lastHeader(WireFormat.VALUE_HEADER).value());
        versions.add(h.kekVersion());
        deks.add(h.dekIdHex());
        assertFalse(new String(r.value(), StandardCharsets.ISO_8859_1).contains(MARKER));
      }
    }
    assertEquals(80, versions.size());
    assertEquals(Set.of("v1"), new TreeSet<>(versions.subList(0, 40)));
    assertEquals(Set.of("v2"), new TreeSet<>(versions.subList(40, 80)),
        "new DEKs carry v2 within the DEK's maximum age");
    Map<String, Object> cenv = envelope("rot-consumer", CONSUMER_SECRET_ID);
    cenv.put("envelope.kek.id", "orders-rotating");
    try (KafkaConsumer<String, String> c = consumer(cenv, DecryptingDeserializer.class)) {
      List<ConsumerRecord<String, String>> got = drain(c, "vault-rotation", 81);
      assertEquals(81, got.size(), "v1 and v2 records all decrypt");
      for (int i = 0; i < 40; i++) {
        assertEquals(MARKER + "a" + i, got.get(i).value());
        assertEquals(MARKER + "b" + i, got.get(41 + i).value());
      }
    }
  }

  @Test
  void aTokenThatExpiresDuringTheRunIsReplacedByAnAppRoleLoginAndNothingIsLost()
      throws Exception {
    // long-lived tokens that the fake kills on cue, twice in the run, with no warning: nothing here
    // depends on how long the sends take (the background re-login before max TTL is timed by a
    // manual clock in VaultTransitKmsTest.appRoleLogsInOnce...AtMaxTtl)
    vault.addAppRole("expiring-producer", PRODUCER_SECRET_ID, 600_000, 0, false,
        List.of("transit/datakey/plaintext/orders"));
    KAFKA.broker().createTopic("vault-expiry", 1);
    Map<String, Object> env = envelope("expiring-producer", PRODUCER_SECRET_ID);
    env.put("envelope.dek.max.records", 20L);
    // a refusal-driven re-login may follow the previous one at once (the default window, 10 s,
    // would refuse the second one: see VaultReloginBoundTest)
    env.put("envelope.kms.vault.relogin.backoff.ms", "1");
    vault.resetCounters();
    int n = 300;
    try (KafkaProducer<String, String> p = producer(env)) {
      List<Future<RecordMetadata>> sent = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        sent.add(p.send(new ProducerRecord<>("vault-expiry", MARKER + i)));
        if (i == n / 3) {
          vault.expireAllTokens(); // the first token dies: a later datakey meets the refusal
        }
        if (i == 2 * n / 3) {
          // 100 records (five DEKs) since: the dead token was met and a new one issued
          assertTrue(vault.awaitCalls("login-issued", 2, 30_000),
              "logged in again after the first expiry: " + vault.calls("login/approle"));
          // a lower bound, not a guess: the 1 ms re-login window of that login has surely passed
          Thread.sleep(2);
          vault.expireAllTokens(); // and the second one
        }
      }
      for (Future<RecordMetadata> f : sent) {
        f.get(); // any failed send would throw here
      }
    }
    assertEquals(3, vault.calls("login/approle"), "one login per token lifetime");
    Set<String> deks = new HashSet<>();
    rawVersions("vault-expiry", n, deks);
    assertEquals(15, deks.size(), "one DEK per 20 records");
    List<String> got = readDecrypted("vault-expiry", n);
    assertEquals(n, got.size());
    for (int i = 0; i < n; i++) {
      assertEquals(MARKER + i, got.get(i), "nothing lost, order kept");
    }
  }

  @Test
  void aConsumerWithoutDecryptPermissionFailsClearlyAndIsNotRetried() {
    KAFKA.broker().createTopic("vault-denied", 1);
    try (KafkaProducer<String, String> p = producer(producerEnv())) {
      p.send(new ProducerRecord<>("vault-denied", MARKER));
    }
    vault.resetCounters();
    // the producer's role may make DEKs but not decrypt them, nor read the key: the check at
    // configure() stops the consumer at start-up
    Map<String, Object> wrongRole = envelope("producer-role", PRODUCER_SECRET_ID);
    org.apache.kafka.common.KafkaException start = assertThrows(
        org.apache.kafka.common.KafkaException.class,
        () -> consumer(wrongRole, DecryptingDeserializer.class).close());
    assertTrue(String.valueOf(start.getCause()).contains("ACCESS_DENIED")
        && String.valueOf(start.getCause()).contains("'read' on transit/keys/orders"),
        String.valueOf(start.getCause()));
    vault.resetCounters();
    // without that check, the first record fails the same way, once
    wrongRole.put("envelope.kms.check.on.configure", "false");
    try (KafkaConsumer<String, String> c = consumer(wrongRole, DecryptingDeserializer.class)) {
      assertRefused(c, "vault-denied", 0, "ACCESS_DENIED", MARKER, "transit/decrypt/orders");
    }
    assertEquals(1, vault.calls("decrypt"), "a policy denial is not retried");
  }

  /**
   * The glob-policy forgery. The orders consumer's Vault policy is the glob
   * {@code transit/decrypt/kafka-*}, so Vault would unwrap any kafka-* key for it. The payments
   * producer, with its own key {@code kafka-payments}, writes records into {@code kafka-orders}.
   * The consumer KEK policy (envelope.kek.id=kafka-orders) refuses them with KEK_NOT_ALLOWED
   * before Vault sees a decrypt for them; only {@code envelope.kek.discovery=true} lets them pass,
   * which is why docs/kms-vault.md recommends exact per-topic paths: under them Vault refuses the
   * forged key even in discovery mode.
   */
  @Test
  void recordsUnderAnotherTopicsKeyAreRefusedBeforeVaultEvenWithAGlobPolicy() {
    vault.createKey("transit", "kafka-orders", false);
    vault.createKey("transit", "kafka-payments", false);
    vault.addAppRole("ko-producer", PRODUCER_SECRET_ID, 600_000, 0, true,
        List.of("transit/datakey/plaintext/kafka-orders"));
    vault.addAppRole("kp-producer", PRODUCER_SECRET_ID, 600_000, 0, true,
        List.of("transit/datakey/plaintext/kafka-payments"));
    vault.addAppRole("ko-glob-consumer", CONSUMER_SECRET_ID, 600_000, 0, true,
        List.of("transit/decrypt/kafka-*",
        "transit/keys/kafka-*"));
    vault.addAppRole("ko-exact-consumer", CONSUMER_SECRET_ID, 600_000, 0, true,
        List.of("transit/decrypt/kafka-orders",
        "transit/keys/kafka-orders"));
    KAFKA.broker().createTopic("kafka-orders", 1);
    Map<String, Object> ordersProducer = envelope("ko-producer", PRODUCER_SECRET_ID);
    ordersProducer.put("envelope.kek.id", "kafka-orders");
    Map<String, Object> forger = envelope("kp-producer", PRODUCER_SECRET_ID);
    forger.put("envelope.kek.id", "kafka-payments"); // its own key, but the orders topic
    try (KafkaProducer<String, String> p = producer(ordersProducer);
        KafkaProducer<String, String> f = producer(forger)) {
      for (String v : new String[] {"genuine-1", "genuine-2"}) {
        p.send(new ProducerRecord<>("kafka-orders", MARKER + v)).get();
      }
      f.send(new ProducerRecord<>("kafka-orders", MARKER + "forged")).get();
      p.send(new ProducerRecord<>("kafka-orders", MARKER + "genuine-3")).get();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
    vault.resetCounters();

    Map<String, Object> strict = consumerFor("ko-glob-consumer", false);
    List<EnvelopeException> refused = new ArrayList<>();
    assertEquals(List.of(MARKER + "genuine-1", MARKER + "genuine-2", MARKER + "genuine-3"),
        readSkippingFailures(strict, "kafka-orders", 4, refused));
    assertEquals(1, refused.size());
    assertEquals(EnvelopeException.Reason.KEK_NOT_ALLOWED, refused.get(0).reason(),
        refused.get(0).getMessage());
    assertTrue(refused.get(0).getMessage().contains("kafka-payments"),
        refused.get(0).getMessage());
    assertFalse(refused.get(0).getMessage().contains(MARKER));
    assertEquals(0, vault.calls("decrypt:kafka-payments"), "Vault saw no decrypt for it");
    assertTrue(vault.calls("decrypt:kafka-orders") >= 1);

    // only discovery lets the forgery through, because the glob policy lets Vault unwrap it
    refused.clear();
    assertEquals(List.of(MARKER + "genuine-1", MARKER + "genuine-2", MARKER + "forged",
        MARKER + "genuine-3"), readSkippingFailures(consumerFor("ko-glob-consumer", true),
        "kafka-orders", 4, refused));
    assertEquals(List.of(), refused);
    assertEquals(1, vault.calls("decrypt:kafka-payments"));

    // with the exact per-topic path, Vault refuses the forged key even in discovery mode
    refused.clear();
    assertEquals(List.of(MARKER + "genuine-1", MARKER + "genuine-2", MARKER + "genuine-3"),
        readSkippingFailures(consumerFor("ko-exact-consumer", true), "kafka-orders", 4,
            refused));
    assertEquals(1, refused.size());
    assertEquals(EnvelopeException.Reason.ACCESS_DENIED, refused.get(0).reason(),
        refused.get(0).getMessage());
  }

  private static Map<String, Object> consumerFor(String role, boolean discovery) {
    Map<String, Object> c = envelope(role, CONSUMER_SECRET_ID);
    c.put("envelope.kek.id", "kafka-orders");
    c.put("envelope.kek.discovery", String.valueOf(discovery));
    // a DEK cache scope of its own, so no consumer is served keys another one unwrapped
    c.put("envelope.kms.vault.connect.timeout.ms", String.valueOf(cacheScope()));
    return c;
  }

  /** Reads {@code n} records of one partition, stepping over those that fail to deserialize. */
  private List<String> readSkippingFailures(Map<String, Object> env, String topic, int n,
      List<EnvelopeException> failures) {
    List<String> values = new ArrayList<>();
    try (KafkaConsumer<String, String> c = consumer(env, DecryptingDeserializer.class)) {
      TopicPartition tp = new TopicPartition(topic, 0);
      c.assign(List.of(tp));
      c.seekToBeginning(List.of(tp));
      long deadline = System.currentTimeMillis() + 60_000;
      while (values.size() + failures.size() < n && System.currentTimeMillis() < deadline) {
        try {
          c.poll(Duration.ofMillis(200)).forEach(r -> values.add(r.value()));
        } catch (RecordDeserializationException e) {
          failures.add(assertInstanceOf(EnvelopeException.class, e.getCause()));
          c.seek(e.topicPartition(), e.offset() + 1);
        }
      }
    }
    return values;
  }
}
