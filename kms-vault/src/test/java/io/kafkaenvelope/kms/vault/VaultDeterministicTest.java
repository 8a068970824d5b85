package io.kafkaenvelope.kms.vault;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkaenvelope.internal.kms.KmsProviders;
import io.kafkaenvelope.kms.EncryptionContext;
import io.kafkaenvelope.kms.KeyManagementService;
import io.kafkaenvelope.serde.DecryptingDeserializer;
import io.kafkaenvelope.serde.EncryptingSerializer;
import io.kafkaenvelope.serde.EnvelopeException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Deterministic mode on Vault Transit: the key material is {@code transit/hmac/<key>/sha2-256}
 * pinned to key version 1, through the real client (HTTP, JSON, token auth) against
 * {@link FakeVault}, which answers the hmac endpoint as Vault does.
 */
class VaultDeterministicTest {

  private static final String KEY = "8c7e1a52-3b9d-4f6e-a1c2-0d4b5e6f7a81";
  private static final String PRODUCER_TOKEN = "hvs.det-producer-never-printed-0001";
  private static final String HMAC_ONLY_TOKEN = "hvs.det-hmac-only-never-printed-0002";
  private static final String DECRYPT_ONLY_TOKEN = "hvs.det-decrypt-only-never-printed-0003";

  static FakeVault vault;

  @BeforeAll
  static void start() throws Exception {
    vault = FakeVault.withRootToken(PRODUCER_TOKEN);
    // and read on the key: the check at configure()
    vault.addToken(HMAC_ONLY_TOKEN, 0, 0, false, List.of("transit/hmac/kafka-keys*",
        "transit/keys/kafka-keys"));
    vault.addToken(DECRYPT_ONLY_TOKEN, 0, 0, false, List.of("transit/decrypt/kafka-keys*",
        "transit/keys/kafka-keys"));
    vault.createKey("transit", "kafka-keys", false);
  }

  @AfterAll
  static void stop() {
    vault.close();
  }

  @BeforeEach
  void reset() {
    vault.reset();
  }

  private static Map<String, Object> config(String token) {
    Map<String, Object> c = vault.clientConfig(token);
    c.put("envelope.kms.vault.max.attempts", "1");
    c.put("envelope.kek.id", "kafka-keys");
    c.put("envelope.mode", "deterministic");
    return c;
  }

  @Test
  void theHmacIsPinnedToVersionOneSoATransitRotationChangesNothing() {
    EncryptionContext ctx = EncryptionContext.of(Map.of("kafka-envelope:purpose",
        "deterministic", "kafka-envelope:scope", "topic:orders"));
    byte[] before;
    try (KeyManagementService kms = KmsProviders.forType("vault-transit").create(
        config(PRODUCER_TOKEN))) {
      before = kms.deriveKeyMaterial("kafka-keys", ctx);
      assertEquals(32, before.length);
      assertTrue(vault.lastTransitBody.contains("\"key_version\":1"), vault.lastTransitBody);
      assertFalse(Arrays.equals(before, kms.deriveKeyMaterial("kafka-keys",
          EncryptionContext.of(Map.of("kafka-envelope:purpose", "deterministic",
              "kafka-envelope:scope", "topic:payments")))));
    }
    vault.rotate("transit", "kafka-keys");
    try (KeyManagementService kms = KmsProviders.forType("vault-transit").create(
        config(PRODUCER_TOKEN))) {
      assertArrayEquals(before, kms.deriveKeyMaterial("kafka-keys", ctx),
          "a fresh client after a Transit rotation derives the same material");
    }
    assertEquals(3, vault.calls("hmac"));
  }

  @Test
  void producersAgreeAndAConsumerNeedsOnlyHmacPermission() {
    byte[] a;
    try (EncryptingSerializer<String> s1 = serializer(config(PRODUCER_TOKEN));
        EncryptingSerializer<String> s2 = serializer(config(PRODUCER_TOKEN))) {
      a = s1.serialize("orders", new RecordHeaders(), KEY);
      assertArrayEquals(a, s2.serialize("orders", new RecordHeaders(), KEY));
    }
    assertEquals(1, vault.calls("hmac"), "one derivation per (KEK, scope, epoch)");
    try (DecryptingDeserializer<String> d = deserializer(config(HMAC_ONLY_TOKEN))) {
      assertEquals(KEY, d.deserialize("orders", a));
    }
    assertEquals(2, vault.calls("hmac"));
    assertEquals(0, vault.calls("decrypt"));
    try (DecryptingDeserializer<String> d = deserializer(config(DECRYPT_ONLY_TOKEN))) {
      EnvelopeException e = assertThrows(EnvelopeException.class,
          () -> d.deserialize("orders", a));
      assertEquals(EnvelopeException.Reason.ACCESS_DENIED, e.reason());
      assertTrue(e.getMessage().contains("transit/hmac/kafka-keys"), e.getMessage());
      assertFalse(e.getMessage().contains(DECRYPT_ONLY_TOKEN));
    }
  }

  private static EncryptingSerializer<String> serializer(Map<String, Object> c) {
    EncryptingSerializer<String> s = new EncryptingSerializer<>(new StringSerializer());
    s.configure(c, true);
    return s;
  }

  private static DecryptingDeserializer<String> deserializer(Map<String, Object> c) {
    DecryptingDeserializer<String> d = new DecryptingDeserializer<>(new StringDeserializer());
    d.configure(c, true);
    return d;
  }
}
