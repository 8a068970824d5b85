package io.kafkaenvelope.kms.azure;

import static io.kafkaenvelope.testing.EnvelopeFixtures.drain;
import static io.kafkaenvelope.testing.EnvelopeFixtures.newConsumer;
import static io.kafkaenvelope.testing.EnvelopeFixtures.newProducer;
import static io.kafkaenvelope.testing.EnvelopeFixtures.pollUntilRefused;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkaenvelope.internal.wire.EnvelopeHeader;
import io.kafkaenvelope.serde.DecryptingDeserializer;
import io.kafkaenvelope.serde.EncryptingSerializer;
import io.kafkaenvelope.serde.EnvelopeException;
import io.kafkaenvelope.testing.KafkaExtension;
import io.kafkaenvelope.testing.KmsScenarios;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RecordDeserializationException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * kms.type=azure-keyvault end to end: a real producer and consumer through the real embedded
 * broker, the Azure SDK against {@link FakeKeyVault}, counting Key Vault calls.
 */
class AzureKeyVaultEndToEndTest {

  @RegisterExtension static final KafkaExtension KAFKA = new KafkaExtension();
  static final String MARKER = "AZURE-E2E-PLAINTEXT";

  static FakeKeyVault kv;

  @BeforeAll
  static void start() throws Exception {
    kv = new FakeKeyVault(TestCredential.TOKEN);
  }

  @AfterAll
  static void stop() {
    kv.close();
  }

  @BeforeEach
  void reset() {
    kv.clearFailures();
    kv.deny(null);
  }

  /** Producer and consumer settings; {@code scope} gives a consumer a DEK cache of its own. */
  private static Map<String, Object> envelope(String key, int scope) {
    Map<String, Object> c = AzureKeyVaultKmsTest.config(kv);
    c.put("envelope.kms.type", "azure-keyvault");
    c.put("envelope.kms.azure.max.retries", "1");
    c.put("envelope.kms.azure.connect.timeout.ms", Integer.toString(2_000 - scope));
    c.put("envelope.kek.id", kv.keyUrl(key));
    c.put("envelope.inner.serializer", StringSerializer.class.getName());
    c.put("envelope.inner.deserializer", StringDeserializer.class.getName());
    return c;
  }

  private static KafkaProducer<String, String> producer(Map<String, Object> env) {
    return newProducer(KAFKA.broker(), env, EncryptingSerializer.class.getName());
  }

  private static <V> KafkaConsumer<String, V> consumer(Map<String, Object> env, Class<?> deser) {
    return newConsumer(KAFKA.broker(), env, deser.getName());
  }

  @Test
  void oneWrapPerDekAndOneUnwrapPerDistinctDek() {
    kv.createKey("e2e-orders", true);
    Map<String, Object> env = envelope("e2e-orders", 1);
    kv.resetCounters();
    Set<String> deks = new HashSet<>();
    for (EnvelopeHeader h : KmsScenarios.writeThreeDataKeys(KAFKA.broker(), "az-orders", env,
        MARKER, EnvelopeHeader::parse)) {
      assertEquals(kv.keyUrl("e2e-orders"), h.kekId());
      assertEquals(kv.currentVersion("e2e-orders"), h.kekVersion());
      deks.add(h.dekIdHex());
    }
    assertEquals(3, deks.size(), "one DEK per 100 records");
    int wraps = kv.calls("wrapkey");
    assertTrue(wraps == deks.size() || wraps == deks.size() + 1,
        "one wrapKey per DEK (+1 prefetched): " + wraps);
    assertEquals(wraps, kv.calls("sign"), "one writer signature per DEK");
    assertEquals(1, kv.calls("get"), "the key type, read once");
    KmsScenarios.readAll(KAFKA.broker(), "az-orders", KmsScenarios.RECORDS, env, MARKER);
    assertEquals(deks.size(), kv.calls("unwrapkey"), "one unwrapKey per distinct DEK");
    assertEquals(3, kv.calls("get"), "+ the consumer's check in configure() and one public key "
        + "read for the one key version");
    assertEquals(wraps, kv.calls("sign"), "the consumer signs nothing");
  }

  /**
   * Records whose RSA-wrapped DEK carries no writer signature (here from a producer with the
   * signature turned off: the same wrapped DEK a writer holding only the public key could make)
   * are refused by a default consumer as tampered, before any Key Vault call; a consumer with the
   * setting off too reads them.
   */
  @Test
  void recordsWithoutAWriterSignatureAreRefusedByADefaultConsumerBeforeAnyKeyVaultCall() {
    kv.createKey("e2e-unsigned", true);
    KAFKA.broker().createTopic("az-unsigned", 1);
    Map<String, Object> off = envelope("e2e-unsigned", 9);
    off.put("envelope.kms.azure.rsa.writer.signature", "false");
    kv.resetCounters();
    try (KafkaProducer<String, String> p = producer(off)) {
      p.send(new ProducerRecord<>("az-unsigned", MARKER + "unsigned"));
    }
    assertEquals(0, kv.calls("sign"));
    kv.resetCounters();
    try (KafkaConsumer<String, String> c = consumer(envelope("e2e-unsigned", 10),
        DecryptingDeserializer.class)) {
      c.subscribe(List.of("az-unsigned"));
      RecordDeserializationException e = pollUntilRefused(c);
      EnvelopeException cause = assertInstanceOf(EnvelopeException.class, e.getCause());
      assertEquals(EnvelopeException.Reason.TAMPERED, cause.reason(), cause.getMessage());
      assertFalse(cause.getMessage().contains(MARKER));
    }
    assertEquals(0, kv.calls("unwrapkey"), "refused before Key Vault");
    assertEquals(1, kv.calls("get"), "the consumer's check in configure(), and no public key read");
    Map<String, Object> offConsumer = envelope("e2e-unsigned", 11);
    offConsumer.put("envelope.kms.azure.rsa.writer.signature", "false");
    try (KafkaConsumer<String, String> c = consumer(offConsumer, DecryptingDeserializer.class)) {
      assertEquals(List.of(MARKER + "unsigned"),
          drain(c, "az-unsigned", 1).stream().map(ConsumerRecord::value).toList());
    }
    assertEquals(1, kv.calls("unwrapkey"));
  }

  @Test
  void rotatingTheKeyMidStreamWrapsNewDeksUnderTheNewVersionAndOldRecordsStillDecrypt() {
    String v1 = kv.createKey("e2e-rotating", false); // a Managed HSM oct-HSM key: A256KW
    KAFKA.broker().createTopic("az-rotating", 1);
    Map<String, Object> env = envelope("e2e-rotating", 2);
    env.put("envelope.dek.max.records", 40L);
    String v2;
    try (KafkaProducer<String, String> p = producer(env)) {
      for (int i = 0; i < 100; i++) {
        p.send(new ProducerRecord<>("az-rotating", MARKER + i));
      }
      p.flush();
      v2 = kv.rotate("e2e-rotating");
      for (int i = 100; i < 200; i++) {
        p.send(new ProducerRecord<>("az-rotating", MARKER + i));
      }
      p.flush();
    }
    List<EnvelopeHeader> hs = KmsScenarios.storedHeaders(KAFKA.broker(), "az-rotating", 200,
        MARKER, EnvelopeHeader::parse);
    assertEquals(v1, hs.get(0).kekVersion());
    assertEquals(v2, hs.get(199).kekVersion(), "DEKs made after the rotation use the new version");
    Set<String> deks = new HashSet<>();
    hs.forEach(h -> deks.add(h.dekIdHex()));
    kv.resetCounters();
    try (KafkaConsumer<String, String> c = consumer(env, DecryptingDeserializer.class)) {
      List<ConsumerRecord<String, String>> got = drain(c, "az-rotating", 200);
      assertEquals(200, got.size());
      for (int i = 0; i < 200; i++) {
        assertEquals(MARKER + i, got.get(i).value());
      }
    }
    assertEquals(deks.size(), kv.calls("unwrapkey"), "one unwrapKey per distinct DEK");
  }

  @Test
  void aThrottlingStormIsSurvivedByTheCurrentDekThenFailsClosed() throws Exception {
    kv.createKey("e2e-throttle", true);
    RuntimeException cause = KmsScenarios.throttlingStorm(KAFKA.broker(), "az-throttle",
        envelope("e2e-throttle", 3), MARKER, () -> kv.failNext(1000, 429, 1),
        kv::clearFailures);
    assertTrue(cause.getMessage().contains("THROTTLED"), cause.getMessage());
  }

  @Test
  void permissionDeniedOnTheConsumerIsNamedAndNotRetried() {
    kv.createKey("e2e-denied", true);
    KAFKA.broker().createTopic("az-denied", 1);
    try (KafkaProducer<String, String> p = producer(envelope("e2e-denied", 4))) {
      p.send(new ProducerRecord<>("az-denied", MARKER));
    }
    kv.resetCounters();
    kv.deny("unwrapkey");
    try (KafkaConsumer<String, String> c = consumer(envelope("e2e-denied", 5),
        DecryptingDeserializer.class)) {
      c.subscribe(List.of("az-denied"));
      RecordDeserializationException e = pollUntilRefused(c);
      EnvelopeException cause = assertInstanceOf(EnvelopeException.class, e.getCause());
      assertEquals(EnvelopeException.Reason.ACCESS_DENIED, cause.reason());
      assertTrue(cause.getMessage().contains(kv.keyUrl("e2e-denied")), cause.getMessage());
      assertTrue(cause.getMessage().contains("ForbiddenByRbac"), cause.getMessage());
      assertFalse(cause.getMessage().contains(MARKER));
    } finally {
      kv.deny(null);
    }
    assertEquals(1, kv.calls("unwrapkey"), "403 is not retried");
  }

  /**
   * A writer with its own vault (another host) puts records into the topic under its key. The
   * consumer expects its own key URL and refuses them before any Key Vault call, in either vault.
   */
  @Test
  void recordsUnderAKeyInAnotherVaultAreRefusedBeforeAnyKeyVaultCall() throws Exception {
    kv.createKey("e2e-own", true);
    KAFKA.broker().createTopic("az-foreign", 1);
    try (FakeKeyVault other = new FakeKeyVault(TestCredential.TOKEN)) {
      other.createKey("e2e-own", true); // same key name, another vault
      try (KafkaProducer<String, String> p = producer(envelope("e2e-own", 6))) {
        p.send(new ProducerRecord<>("az-foreign", MARKER + "own")).get();
      }
      Map<String, Object> intruder = envelope("e2e-own", 7);
      intruder.put("envelope.kms.azure.tls.ca.file", other.caFile());
      intruder.put("envelope.kek.id", other.keyUrl("e2e-own"));
      try (KafkaProducer<String, String> p = producer(intruder)) {
        p.send(new ProducerRecord<>("az-foreign", MARKER + "forged")).get();
      }
      kv.resetCounters();
      other.resetCounters();
      List<String> values = new ArrayList<>();
      try (KafkaConsumer<String, String> c = consumer(envelope("e2e-own", 8),
          DecryptingDeserializer.class)) {
        c.subscribe(List.of("az-foreign"));
        RecordDeserializationException e = assertThrows(RecordDeserializationException.class,
            () -> {
              long deadline = System.currentTimeMillis() + 30_000;
              while (System.currentTimeMillis() < deadline) {
                c.poll(Duration.ofMillis(200)).forEach(r -> values.add(r.value()));
              }
            });
        assertEquals(1, e.offset());
        EnvelopeException cause = assertInstanceOf(EnvelopeException.class, e.getCause());
        assertEquals(EnvelopeException.Reason.KEK_NOT_ALLOWED, cause.reason());
      }
      assertEquals(List.of(MARKER + "own"), values);
      assertEquals(1, kv.calls("unwrapkey"), "only the consumer's own DEK");
      assertEquals(0, other.calls("unwrapkey") + other.calls("challenge"),
          "the other vault never saw the consumer");
    }
  }
}
