package io.kafkaenvelope.serde;

import static io.kafkaenvelope.testing.TestConfigs.MARKER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkaenvelope.kms.KeyManagementService;
import io.kafkaenvelope.kms.KmsException;
import io.kafkaenvelope.kms.local.LocalKms;
import io.kafkaenvelope.kms.memory.InMemoryKms;
import io.kafkaenvelope.testing.TestConfigs;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 17, fail fast: {@code envelope.kms.check.on.configure} (on by default) stops a serializer
 * or deserializer in {@code configure()} when its KMS or KEK is unusable, with a
 * {@link ConfigException} naming the KEK, the setting it came from and the KMS's answer, at no
 * extra KMS call for a producer (its first data key is made there and kept); and {@code health()}
 * answers readiness probes from at most one KMS check per interval.
 */
class KmsCheckTest {

  private final String kmsName = TestConfigs.newKmsName();
  private final InMemoryKms kms = TestConfigs.kms(kmsName).strict().createKek("kek-1");
  private final Map<String, Object> configs = TestConfigs.base(kmsName);

  private EncryptingSerializer<String> serializer(Map<String, Object> c) {
    EncryptingSerializer<String> s = new EncryptingSerializer<>(new StringSerializer());
    s.configure(c, false);
    return s;
  }

  private DecryptingDeserializer<String> deserializer(Map<String, Object> c) {
    DecryptingDeserializer<String> d = new DecryptingDeserializer<>(new StringDeserializer());
    d.configure(c, false);
    return d;
  }

  private static void assertNames(ConfigException e, String... parts) {
    for (String p : parts) {
      assertTrue(e.getMessage().contains(p), p + " in: " + e.getMessage());
    }
    assertTrue(e.getMessage().contains("envelope.kms.check.on.configure=false"), e.getMessage());
  }

  @Test
  void theProducersCheckIsItsFirstDataKeyKeptForTheFirstRecords() {
    try (EncryptingSerializer<String> s = serializer(configs)) {
      assertEquals(1, kms.generateCalls(), "configure() made the first data key");
      for (int i = 0; i < 10; i++) {
        s.serialize("orders", new RecordHeaders(), MARKER + i);
      }
      assertEquals(1, kms.generateCalls(), "the check's data key served the records");
      assertEquals(0, kms.checkCalls(), "a producer with a fixed KEK needs no metadata call");
    }
  }

  @Test
  void aMissingKekStopsTheProducerInConfigure() {
    configs.put("envelope.kek.id", "no-such-kek");
    ConfigException e = assertThrows(ConfigException.class, () -> serializer(configs));
    assertNames(e, "envelope.kek.id", "no-such-kek", "KEY_NOT_FOUND");
    assertEquals(1, kms.generateCalls());
  }

  @Test
  void aDisabledKekStopsTheProducerInConfigure() {
    kms.disable("kek-1");
    ConfigException e = assertThrows(ConfigException.class, () -> serializer(configs));
    assertNames(e, "envelope.kek.id", "kek-1", "KEY_DISABLED");
  }

  @Test
  @Timeout(60)
  void anUnreachableKmsStopsConfigureWithinTheKmsTimeout() {
    kms.stall(Duration.ofHours(1));
    configs.put("envelope.kms.timeout.ms", 300L);
    try {
      ConfigException e = assertThrows(ConfigException.class, () -> serializer(configs));
      assertNames(e, "envelope.kek.id", "kek-1", "UNAVAILABLE", "300 ms");
      ConfigException c = assertThrows(ConfigException.class, () -> deserializer(configs));
      assertNames(c, "envelope.kek.id", "kek-1", "UNAVAILABLE", "300 ms");
    } finally {
      kms.heal();
    }
  }

  @Test
  void theCheckCanBeTurnedOffAndThenCostsNoKmsCall() {
    kms.failWith(KmsException.Reason.UNAVAILABLE);
    configs.put("envelope.kms.check.on.configure", "false");
    try (EncryptingSerializer<String> s = serializer(configs);
        DecryptingDeserializer<String> d = deserializer(configs)) {
      assertEquals(0, kms.generateCalls() + kms.checkCalls());
      // and the first record still fails closed
      assertThrows(EnvelopeException.class,
          () -> s.serialize("orders", new RecordHeaders(), MARKER));
    } finally {
      kms.heal();
    }
  }

  @Test
  void theOptInPlaintextPolicyIsNotOverruledByTheCheck() {
    configs.put("envelope.kek.id", "not-yet-created");
    configs.put("envelope.kek.unresolved.policy", "plaintext");
    try (EncryptingSerializer<String> s = serializer(configs)) {
      assertEquals(1, kms.generateCalls());
    }
  }

  @Test
  void aTemplateNamesNoKekBeforeATopicSoTheProducerMakesNoCall() {
    configs.remove("envelope.kek.id");
    configs.put("envelope.kek.id.template", "kafka-{topic}");
    try (EncryptingSerializer<String> s = serializer(configs)) {
      assertEquals(0, kms.generateCalls() + kms.checkCalls());
    }
  }

  @Test
  void theConsumerChecksEachKekItsSettingsNameExactly() {
    kms.createKek("old-kek");
    configs.put("envelope.kek.allowed.ids", List.of("old-kek", "kafka-{topic}"));
    try (DecryptingDeserializer<String> d = deserializer(configs)) {
      assertEquals(2, kms.checkCalls(), "kek-1 and old-kek; the template names none yet");
      assertEquals(0, kms.generateCalls() + kms.unwrapCalls());
    }
    kms.resetCounters();
    configs.put("envelope.kek.allowed.ids", List.of("gone-kek"));
    ConfigException e = assertThrows(ConfigException.class, () -> deserializer(configs));
    assertNames(e, "envelope.kek.allowed.ids", "gone-kek", "KEY_NOT_FOUND");
    assertEquals(2, kms.checkCalls());
    kms.disable("kek-1");
    e = assertThrows(ConfigException.class, () -> deserializer(configs));
    assertNames(e, "envelope.kek.id", "kek-1", "KEY_DISABLED");
  }

  @Test
  void aConsumerWithDiscoveryOnlyHasNothingToCheck() {
    configs.remove("envelope.kek.id");
    configs.put("envelope.kek.discovery", true);
    try (DecryptingDeserializer<String> d = deserializer(configs)) {
      assertEquals(0, kms.checkCalls());
    }
  }

  @Test
  void deterministicModeDerivesANamedScopesKeyOnceOrChecksTheKek() {
    configs.put("envelope.mode", "deterministic");
    configs.put("envelope.deterministic.scope", "customers");
    try (EncryptingSerializer<String> s = serializer(configs)) {
      assertEquals(1, kms.deriveCalls(), "configure() derived the scope's key");
      s.serialize("orders", new RecordHeaders(), MARKER);
      s.serialize("payments", new RecordHeaders(), MARKER);
      assertEquals(1, kms.deriveCalls(), "the derived key is cached and used");
    }
    kms.resetCounters();
    configs.remove("envelope.deterministic.scope");
    try (EncryptingSerializer<String> s = serializer(configs)) {
      assertEquals(0, kms.deriveCalls(), "a per-topic key depends on the topic");
      assertEquals(1, kms.checkCalls(), "so the KEK's metadata is checked instead");
    }
  }

  @Test
  void theLocalKmsChecksFilesStateAndKind(@TempDir Path dir) {
    Map<String, Object> local = Map.of("envelope.kms.type", "local",
        "envelope.kms.local.keyset.dir", dir.toString(), "envelope.kek.id", "orders");
    ConfigException missing = assertThrows(ConfigException.class, () -> deserializer(local));
    assertNames(missing, "envelope.kek.id", "orders", "KEY_NOT_FOUND");
    LocalKms.create(dir, "orders");
    deserializer(local).close();
    LocalKms.disable(dir, "orders");
    assertNames(assertThrows(ConfigException.class, () -> deserializer(local)),
        "envelope.kek.id", "orders", "KEY_DISABLED");
    LocalKms.enable(dir, "orders");
    Map<String, Object> deterministic = new HashMap<>(local);
    deterministic.put("envelope.mode", "deterministic");
    assertNames(assertThrows(ConfigException.class, () -> deserializer(deterministic)),
        "envelope.kek.id", "orders", "MISCONFIGURED", "HMAC PRF");
  }

  /**
   * A consumer in the default mode reads random and deterministic records alike, so a KEK that
   * can only derive (an HMAC PRF keyset) passes its check when named in allowed.ids; a KEK that
   * can do neither still fails, with the unwrap check's answer.
   */
  @Test
  void aDefaultModeConsumerAcceptsADeterministicKekButNotABrokenOne(@TempDir Path dir) {
    LocalKms.create(dir, "orders");
    Map<String, Object> mac = new HashMap<>(Map.of("envelope.kms.type", "local",
        "envelope.kms.local.keyset.dir", dir.toString(), "envelope.kek.id", "orders-mac",
        "envelope.kms.local.create.missing", "true", "envelope.mode", "deterministic"));
    try (EncryptingSerializer<String> s = serializer(mac)) { // makes the PRF keyset
      s.serialize("orders", new RecordHeaders(), "x");
    }
    Map<String, Object> reader = new HashMap<>(Map.of("envelope.kms.type", "local",
        "envelope.kms.local.keyset.dir", dir.toString(), "envelope.kek.id", "orders",
        "envelope.kek.allowed.ids", "orders-mac"));
    deserializer(reader).close();
    LocalKms.disable(dir, "orders-mac");
    assertNames(assertThrows(ConfigException.class, () -> deserializer(reader)),
        "envelope.kek.allowed.ids", "orders-mac", "KEY_DISABLED");
    LocalKms.enable(dir, "orders-mac");
    Map<String, Object> strict = new HashMap<>(reader);
    strict.put("envelope.kek.id", "orders-mac");
    strict.put("envelope.kek.allowed.ids", "orders");
    strict.put("envelope.mode", "deterministic");
    assertNames(assertThrows(ConfigException.class, () -> deserializer(strict)),
        "envelope.kek.allowed.ids", "orders", "MISCONFIGURED", "HMAC PRF");
  }

  @Test
  void healthAsksTheKmsAtMostOncePerInterval() {
    AtomicLong nanos = new AtomicLong();
    configs.put("envelope.kms.health.interval.ms", 10_000L);
    try (EncryptingSerializer<String> s = new EncryptingSerializer<>(new StringSerializer(),
        nanos::get)) {
      assertFalse(s.health().up(), "down before configure()");
      s.configure(configs, false);
      for (int i = 0; i < 5; i++) {
        KeyManagementService.Health h = s.health();
        assertTrue(h.up(), h.reason());
        assertTrue(h.reason().contains("kek-1"), h.reason());
      }
      assertEquals(1, kms.checkCalls(), "five probes, one KMS call");
      kms.disable("kek-1");
      assertTrue(s.health().up(), "the cached answer until the interval is over");
      nanos.addAndGet(TimeUnit.SECONDS.toNanos(10));
      KeyManagementService.Health down = s.health();
      assertFalse(down.up());
      assertTrue(down.reason().contains("KEY_DISABLED") && down.reason().contains("kek-1"),
          down.reason());
      assertEquals(2, kms.checkCalls());
      kms.heal();
      nanos.addAndGet(TimeUnit.SECONDS.toNanos(10));
      assertTrue(s.health().up());
      s.close();
      assertFalse(s.health().up(), "down after close()");
    }
  }

  @Test
  void consumerAndSerdeHealth() {
    AtomicLong nanos = new AtomicLong();
    try (DecryptingDeserializer<String> d = new DecryptingDeserializer<>(new StringDeserializer(),
        nanos::get)) {
      d.configure(configs, false);
      kms.resetCounters();
      assertTrue(d.health().up());
      assertTrue(d.health().up());
      assertEquals(1, kms.checkCalls());
      kms.failCheckWith(KmsException.Reason.UNAVAILABLE);
      nanos.addAndGet(TimeUnit.MINUTES.toNanos(1));
      assertFalse(d.health().up());
      assertTrue(d.health().reason().contains("UNAVAILABLE"), d.health().reason());
      kms.heal();
    }
    EnvelopeSerde<String> serde = new EnvelopeSerde<>(
        org.apache.kafka.common.serialization.Serdes.String());
    assertFalse(serde.health().up());
    serde.configure(configs, false);
    assertTrue(serde.health().up(), serde.health().reason());
    serde.close();
  }
}
