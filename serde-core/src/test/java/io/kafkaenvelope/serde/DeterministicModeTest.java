package io.kafkaenvelope.serde;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkaenvelope.kms.KmsException;
import io.kafkaenvelope.kms.memory.InMemoryKms;
import io.kafkaenvelope.serde.EnvelopeException.Reason;
import io.kafkaenvelope.testing.TestConfigs;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code envelope.mode=deterministic}: equal keys give equal bytes from any serializer instance,
 * KMS client and restart, within a scope; everything a record-mode reader refuses is refused here
 * too, before any KMS call where record mode does; and a process derives each (KEK, scope, epoch)
 * key once.
 */
class DeterministicModeTest {

  private static final String KEY = "customer-0042-7f3a-PLAINTEXT-MARKER";

  private final String kmsName = TestConfigs.newKmsName();
  private final InMemoryKms kms = InMemoryKms.named(kmsName);

  private Map<String, Object> producer() {
    Map<String, Object> m = TestConfigs.base(kmsName);
    m.put("envelope.mode", "deterministic");
    return m;
  }

  private Map<String, Object> with(Map<String, Object> m, String key, Object value) {
    Map<String, Object> c = new HashMap<>(m);
    c.put(key, value);
    return c;
  }

  private static EncryptingSerializer<String> serializer(Map<String, Object> configs) {
    EncryptingSerializer<String> s = new EncryptingSerializer<>(new StringSerializer());
    s.configure(configs, true);
    return s;
  }

  private static DecryptingDeserializer<String> deserializer(Map<String, Object> configs,
      boolean isKey) {
    DecryptingDeserializer<String> d = new DecryptingDeserializer<>(new StringDeserializer());
    d.configure(configs, isKey);
    return d;
  }

  @Test
  void equalKeysGiveEqualBytesAcrossInstancesClientsAndRestarts() {
    byte[] first;
    try (EncryptingSerializer<String> a = serializer(producer());
        EncryptingSerializer<String> b = serializer(producer())) {
      first = a.serialize("orders", new RecordHeaders(), KEY);
      assertArrayEquals(first, b.serialize("orders", new RecordHeaders(), KEY),
          "another serializer with its own KMS client");
      assertArrayEquals(first, a.serialize("orders", KEY), "without headers (Streams stores)");
      assertArrayEquals(first, a.serialize("orders", new RecordHeaders(), KEY), "again");
      assertFalse(Arrays.equals(first, a.serialize("orders", KEY + "x")));
      assertEquals(1, kms.deriveCalls(), "one derivation per (KEK, scope, epoch) per process");
      assertEquals(0, kms.generateCalls(), "no data key is made in deterministic mode");
    }
    // every user released the shared cache: as after a restart, the key is derived again
    try (EncryptingSerializer<String> c = serializer(producer())) {
      assertArrayEquals(first, c.serialize("orders", new RecordHeaders(), KEY));
    }
    assertEquals(2, kms.deriveCalls());
    assertFalse(new String(first, StandardCharsets.ISO_8859_1).contains("customer"),
        "the key is encrypted");
  }

  @Test
  void theLocalKmsGivesEqualBytesFromFreshClientsOnOneKeysetDirectory(@TempDir Path dir) {
    Map<String, Object> m = new HashMap<>();
    m.put("envelope.kms.type", "local");
    m.put("envelope.kms.local.keyset.dir", dir.toString());
    m.put("envelope.kms.local.create.missing", "true");
    m.put("envelope.kek.id", "keys-prf");
    m.put("envelope.mode", "deterministic");
    byte[] first;
    try (EncryptingSerializer<String> s = serializer(m)) {
      first = s.serialize("orders", new RecordHeaders(), KEY);
    }
    try (EncryptingSerializer<String> s = serializer(m);
        DecryptingDeserializer<String> d = deserializer(m, true)) {
      assertArrayEquals(first, s.serialize("orders", new RecordHeaders(), KEY));
      assertEquals(KEY, d.deserialize("orders", new RecordHeaders(), first));
    }
    // a record-mode KEK (AES-GCM keyset) is not a MAC key: refused with a clear reason
    try (EncryptingSerializer<String> rec = serializer(with(with(m, "envelope.mode", "record"),
        "envelope.kek.id", "aead-kek"));
        EncryptingSerializer<String> det = serializer(with(with(m, "envelope.kek.id",
            "aead-kek"), "envelope.kms.check.on.configure", false))) {
      rec.serialize("orders", new RecordHeaders(), KEY);
      EnvelopeException e = assertThrows(EnvelopeException.class,
          () -> det.serialize("orders", new RecordHeaders(), KEY));
      assertEquals(Reason.MISCONFIGURED, e.reason());
      assertTrue(e.getMessage().contains("HMAC PRF"), e.getMessage());
    }
    // with the check at configure() (the default) the same mistake stops the serializer there
    org.apache.kafka.common.config.ConfigException ce = assertThrows(
        org.apache.kafka.common.config.ConfigException.class,
        () -> serializer(with(m, "envelope.kek.id", "aead-kek")));
    assertTrue(ce.getMessage().contains("HMAC PRF") && ce.getMessage().contains("envelope.kek.id")
        && ce.getMessage().contains("aead-kek"), ce.getMessage());
  }

  @Test
  void aConsumerWithTheSameSettingsDecryptsAndSharesTheDerivedKey() {
    try (EncryptingSerializer<String> s = serializer(producer());
        DecryptingDeserializer<String> d = deserializer(TestConfigs.base(kmsName), true)) {
      RecordHeaders headers = new RecordHeaders();
      byte[] key = s.serialize("orders", headers, KEY);
      assertNull(headers.lastHeader("kafka-envelope.key"), "no record header: self-contained");
      assertEquals(KEY, d.deserialize("orders", headers, key));
      assertEquals(KEY, d.deserialize("orders", key));
      assertNull(d.deserialize("orders", (byte[]) null));
      assertNull(s.serialize("orders", (String) null), "tombstone keys stay null");
      assertEquals(1, kms.deriveCalls(), "producer and consumer of one process share it");
      assertEquals(0, kms.unwrapCalls());
    }
  }

  @Test
  void aForwardedEnvelopeHeaderIsRemoved() {
    try (EncryptingSerializer<String> s = serializer(producer())) {
      RecordHeaders headers = new RecordHeaders();
      headers.add("kafka-envelope.key", new byte[] {1, 2, 3});
      s.serialize("orders", headers, KEY);
      assertNull(headers.lastHeader("kafka-envelope.key"));
    }
  }

  @Test
  void scopesSeparateTopicsUnlessTheyShareANamedScope() {
    Map<String, Object> shared = with(producer(), "envelope.deterministic.scope", "customers");
    try (EncryptingSerializer<String> s = serializer(producer());
        EncryptingSerializer<String> n = serializer(shared);
        DecryptingDeserializer<String> plain = deserializer(TestConfigs.base(kmsName), true);
        DecryptingDeserializer<String> scoped = deserializer(shared, true)) {
      byte[] orders = s.serialize("orders", KEY);
      byte[] payments = s.serialize("payments", KEY);
      assertFalse(Arrays.equals(orders, payments), "each topic is its own scope");
      assertEquals(Reason.TOPIC_MISMATCH, assertThrows(EnvelopeException.class,
          () -> plain.deserialize("payments", orders)).reason(), "cross-topic copy");

      byte[] inA = n.serialize("orders", KEY);
      byte[] inB = n.serialize("payments", KEY);
      assertArrayEquals(inA, inB, "topics sharing a named scope share ciphertexts");
      assertFalse(Arrays.equals(orders, inA), "a named scope is not the topic's scope");
      assertEquals(KEY, scoped.deserialize("payments", inA));
      kms.resetCounters();
      EnvelopeException e = assertThrows(EnvelopeException.class,
          () -> plain.deserialize("orders", inA));
      assertEquals(Reason.TOPIC_MISMATCH, e.reason(), "a reader not configured for the scope");
      assertTrue(e.getMessage().contains("envelope.deterministic.scope"), e.getMessage());
      assertEquals(0, kms.deriveCalls(), "refused before any KMS call");
    }
  }

  @Test
  void aKeyEnvelopeDoesNotPassForAValueAndViceVersa() {
    try (EncryptingSerializer<String> s = serializer(producer());
        DecryptingDeserializer<String> asValue = deserializer(TestConfigs.base(kmsName), false)) {
      byte[] key = s.serialize("orders", KEY);
      assertEquals(Reason.TAMPERED, assertThrows(EnvelopeException.class,
          () -> asValue.deserialize("orders", key)).reason());
      // a value serializer in deterministic mode gives other bytes for the same plaintext
      EncryptingSerializer<String> v = new EncryptingSerializer<>(new StringSerializer());
      v.configure(producer(), false);
      byte[] value = v.serialize("orders", KEY);
      v.close();
      assertFalse(Arrays.equals(key, value));
      // the role byte swapped in place: the associated data no longer matches
      byte[] swapped = value.clone();
      swapped[8] = 0x02;
      try (DecryptingDeserializer<String> asKey = deserializer(TestConfigs.base(kmsName), true)) {
        assertEquals(Reason.TAMPERED, assertThrows(EnvelopeException.class,
            () -> asKey.deserialize("orders", swapped)).reason());
      }
    }
  }

  @Test
  void everySingleByteChangeAndTruncationIsRefused() {
    try (EncryptingSerializer<String> s = serializer(producer());
        DecryptingDeserializer<String> d = deserializer(TestConfigs.base(kmsName), true)) {
      byte[] wire = s.serialize("orders", KEY);
      int refused = 0;
      for (int i = 0; i < wire.length; i++) {
        for (int delta : new int[] {0x01, 0x80, 0xFF}) {
          byte[] copy = wire.clone();
          copy[i] ^= (byte) delta;
          assertThrows(EnvelopeException.class, () -> d.deserialize("orders", copy),
              "byte " + i + " xor " + delta);
          refused++;
        }
      }
      for (int len = 0; len < wire.length; len++) {
        byte[] cut = Arrays.copyOf(wire, len);
        assertThrows(EnvelopeException.class, () -> d.deserialize("orders", cut),
            "truncated to " + len);
        refused++;
      }
      byte[] longer = Arrays.copyOf(wire, wire.length + 1);
      assertThrows(EnvelopeException.class, () -> d.deserialize("orders", longer));
      assertEquals(wire.length * 4, refused);
      assertEquals(KEY, d.deserialize("orders", wire), "the untouched key still decrypts");
    }
  }

  @Test
  void aKeyUnderAKekTheReaderDoesNotTrustIsRefusedBeforeAnyKmsCall() {
    byte[] forged;
    try (EncryptingSerializer<String> s = serializer(with(producer(), "envelope.kek.id",
        "kek-2"))) {
      forged = s.serialize("orders", KEY);
    }
    kms.resetCounters();
    try (DecryptingDeserializer<String> d = deserializer(TestConfigs.base(kmsName), true)) {
      EnvelopeException e = assertThrows(EnvelopeException.class,
          () -> d.deserialize("orders", forged));
      assertEquals(Reason.KEK_NOT_ALLOWED, e.reason());
      assertEquals("kek-2", e.kekId());
    }
    assertEquals(0, kms.deriveCalls());
    // with kek-2 allowed it decrypts: the only defect was the policy
    try (DecryptingDeserializer<String> d = deserializer(with(TestConfigs.base(kmsName),
        "envelope.kek.allowed.ids", "kek-2"), true)) {
      assertEquals(KEY, d.deserialize("orders", forged));
    }
  }

  @Test
  void aKeyDerivedUnderAnotherKekDoesNotDecryptUnderTheNamedOne() {
    // same header (names kek-1), but sealed under kek-2's derived key: the KMS pins the KEK
    byte[] underKek1;
    byte[] underKek2;
    try (EncryptingSerializer<String> s1 = serializer(producer());
        EncryptingSerializer<String> s2 = serializer(with(producer(), "envelope.kek.id",
            "kek-2"))) {
      underKek1 = s1.serialize("orders", KEY);
      underKek2 = s2.serialize("orders", KEY);
    }
    byte[] forged = underKek1.clone();
    int sealed = underKek1.length - (KEY.length() + 16);
    System.arraycopy(underKek2, underKek2.length - (KEY.length() + 16), forged, sealed,
        KEY.length() + 16);
    try (DecryptingDeserializer<String> d = deserializer(TestConfigs.base(kmsName), true)) {
      assertEquals(Reason.TAMPERED, assertThrows(EnvelopeException.class,
          () -> d.deserialize("orders", forged)).reason());
    }
  }

  @Test
  void epochsRotateExplicitlyAndOldEpochsStayReadable() {
    byte[] e0;
    byte[] e1;
    try (EncryptingSerializer<String> s0 = serializer(producer());
        EncryptingSerializer<String> s1 = serializer(with(producer(),
            "envelope.deterministic.epoch", 1))) {
      e0 = s0.serialize("orders", KEY);
      e1 = s1.serialize("orders", KEY);
      assertEquals(2, kms.deriveCalls(), "one derivation per epoch");
    }
    assertFalse(Arrays.equals(e0, e1), "a new epoch changes the ciphertext");
    kms.resetCounters();
    try (DecryptingDeserializer<String> old = deserializer(TestConfigs.base(kmsName), true)) {
      assertEquals(KEY, old.deserialize("orders", e0));
      EnvelopeException e = assertThrows(EnvelopeException.class,
          () -> old.deserialize("orders", e1));
      assertEquals(Reason.KEK_NOT_ALLOWED, e.reason());
      assertTrue(e.getMessage().contains("envelope.deterministic.epoch"), e.getMessage());
      assertEquals(1, kms.deriveCalls(), "the newer epoch was refused before the KMS");
    }
    try (DecryptingDeserializer<String> upgraded = deserializer(with(TestConfigs.base(kmsName),
        "envelope.deterministic.epoch", 1), true)) {
      assertEquals(KEY, upgraded.deserialize("orders", e0), "old epochs still decrypt");
      assertEquals(KEY, upgraded.deserialize("orders", e1));
    }
  }

  @Test
  void sixteenThreadsOnSixteenSerializersOrDeserializersCauseOneDerivation() throws Exception {
    kms.stall(java.time.Duration.ofMillis(100)); // all threads meet the key missing
    int threads = 16;
    List<EncryptingSerializer<String>> serializers = new ArrayList<>();
    for (int i = 0; i < threads; i++) {
      serializers.add(serializer(producer()));
    }
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<byte[]>> results = new ArrayList<>();
      for (EncryptingSerializer<String> s : serializers) {
        results.add(pool.submit(() -> {
          start.await();
          return s.serialize("orders", KEY);
        }));
      }
      start.countDown();
      byte[] first = results.get(0).get(30, TimeUnit.SECONDS);
      for (Future<byte[]> f : results) {
        assertArrayEquals(first, f.get(30, TimeUnit.SECONDS));
      }
      assertEquals(1, kms.deriveCalls());
      serializers.forEach(EncryptingSerializer::close);
      serializers.clear();
      // a fresh process-wide cache: 16 consumers meeting the key at once derive it once
      List<DecryptingDeserializer<String>> readers = new ArrayList<>();
      for (int i = 0; i < threads; i++) {
        readers.add(deserializer(TestConfigs.base(kmsName), true));
      }
      CountDownLatch go = new CountDownLatch(1);
      List<Future<String>> reads = new ArrayList<>();
      for (DecryptingDeserializer<String> d : readers) {
        reads.add(pool.submit(() -> {
          go.await();
          return d.deserialize("orders", first);
        }));
      }
      go.countDown();
      for (Future<String> f : reads) {
        assertEquals(KEY, f.get(30, TimeUnit.SECONDS));
      }
      readers.forEach(DecryptingDeserializer::close);
      assertEquals(2, kms.deriveCalls(), "one more derivation for the new cache, not 16");
    } finally {
      pool.shutdownNow();
      serializers.forEach(EncryptingSerializer::close);
      kms.heal();
    }
  }

  @Test
  void aFailedDerivationFailsTheSendAndIsBackedOff() {
    kms.failDeriveWith(KmsException.Reason.ACCESS_DENIED);
    try (EncryptingSerializer<String> s = serializer(producer())) {
      EnvelopeException e = assertThrows(EnvelopeException.class,
          () -> s.serialize("orders", KEY));
      assertEquals(Reason.ACCESS_DENIED, e.reason());
      assertThrows(EnvelopeException.class, () -> s.serialize("orders", KEY));
      assertEquals(1, kms.deriveCalls(), "remembered for envelope.kms.failure.backoff.ms");
    } finally {
      kms.heal();
    }
  }

  @Test
  void settingsThatCannotCombineWithDeterministicModeFailConfigure() {
    for (Map<String, Object> bad : List.of(
        with(producer(), "envelope.compression.type", "gzip"),
        with(producer(), "envelope.clear.prefix", "schema-id-4"))) {
      assertThrows(ConfigException.class, () -> serializer(bad));
    }
    Map<String, Object> template = with(producer(), "envelope.deterministic.scope", "customers");
    template.remove("envelope.kek.id");
    template.put("envelope.kek.id.template", "kek-${topic}");
    ConfigException e = assertThrows(ConfigException.class, () -> serializer(template));
    assertTrue(e.getMessage().contains("envelope.kek.id"), e.getMessage());
    assertThrows(ConfigException.class, () -> serializer(with(producer(), "envelope.mode",
        "random")));
    // a per-tenant template reads a record header, which deterministic key bytes do not carry
    Map<String, Object> tenant = producer();
    tenant.remove("envelope.kek.id");
    tenant.put("envelope.kek.id.template", "kek-${header:tenant}");
    ConfigException perTenant = assertThrows(ConfigException.class, () -> serializer(tenant));
    assertTrue(perTenant.getMessage().contains("record header"), perTenant.getMessage());
  }

  @Test
  void aConsumerWhosePolicyReadsARecordHeaderRefusesDeterministicKeysBeforeAnyKmsCall() {
    byte[] sealed;
    try (EncryptingSerializer<String> s = serializer(producer())) {
      sealed = s.serialize("orders", KEY);
    }
    kms.resetCounters();
    Map<String, Object> perTenant = TestConfigs.base(kmsName);
    perTenant.remove("envelope.kek.id");
    perTenant.put("envelope.kek.id.template", "kek-${header:tenant}");
    try (DecryptingDeserializer<String> d = deserializer(perTenant, true)) {
      EnvelopeException e = assertThrows(EnvelopeException.class,
          () -> d.deserialize("orders", sealed));
      assertEquals(Reason.KEK_NOT_ALLOWED, e.reason());
      assertTrue(e.getMessage().contains("envelope.kek.allowed.ids"), e.getMessage());
    }
    assertEquals(0, kms.deriveCalls());
  }

  @Test
  void aKmsWithoutDerivationRefusesTheSendNamingTheMode() {
    Map<String, Object> m = new HashMap<>();
    m.put("envelope.kms.type", "fixed");
    m.put("envelope.kek.id", "kek-1");
    m.put("envelope.mode", "deterministic");
    try (EncryptingSerializer<String> s = serializer(m)) {
      EnvelopeException e = assertThrows(EnvelopeException.class,
          () -> s.serialize("orders", KEY));
      assertEquals(Reason.MISCONFIGURED, e.reason());
      assertTrue(e.getMessage().contains("envelope.mode=deterministic"), e.getMessage());
      assertFalse(e.getMessage().contains(KEY));
    }
  }

  @Test
  void aDeterministicHeaderInARecordHeaderIsAnUnsupportedVersion() {
    try (EncryptingSerializer<String> s = serializer(producer());
        DecryptingDeserializer<String> d = deserializer(TestConfigs.base(kmsName), true)) {
      byte[] frame = s.serialize("orders", KEY);
      int h = ((frame[4] & 0xFF) << 8) | (frame[5] & 0xFF);
      RecordHeaders headers = new RecordHeaders();
      headers.add("kafka-envelope.key", Arrays.copyOfRange(frame, 6, 6 + h));
      byte[] sealed = Arrays.copyOfRange(frame, 6 + h, frame.length);
      EnvelopeException e = assertThrows(EnvelopeException.class,
          () -> d.deserialize("orders", headers, sealed));
      assertEquals(Reason.UNSUPPORTED_VERSION, e.reason(), e.getMessage());
    }
  }

  @Test
  void aMirroredTopicReadsTheKeysOfItsSource() {
    Map<String, Object> mirror = with(TestConfigs.base(kmsName),
        "envelope.provenance.mirror.source.aliases", "primary");
    try (EncryptingSerializer<String> s = serializer(producer());
        DecryptingDeserializer<String> d = deserializer(mirror, true)) {
      byte[] key = s.serialize("orders", KEY);
      assertEquals(KEY, d.deserialize("primary.orders", key));
      assertEquals(Reason.TOPIC_MISMATCH, assertThrows(EnvelopeException.class,
          () -> d.deserialize("secondary.orders", key)).reason());
    }
  }

  @Test
  void recordModeStaysRandomized() {
    try (EncryptingSerializer<String> s = serializer(TestConfigs.base(kmsName))) {
      assertNotEquals(Arrays.toString(s.serialize("orders", KEY)),
          Arrays.toString(s.serialize("orders", KEY)));
    }
  }
}
