package io.kafkaenvelope.kms.vault;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkaenvelope.kms.DataKey;
import io.kafkaenvelope.kms.EncryptionContext;
import io.kafkaenvelope.kms.KeyManagementService;
import io.kafkaenvelope.kms.KmsException;
import io.kafkaenvelope.kms.KmsException.Reason;
import io.kafkaenvelope.internal.kms.KmsProviders;
import io.kafkaenvelope.serde.EncryptingSerializer;
import io.kafkaenvelope.serde.EnvelopeException;
import io.kafkaenvelope.internal.wire.WireFormat;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * No silent downgrade: only Transit's definite "encryption key not found" (HTTP 400) is
 * KEY_NOT_FOUND, the one reason that lets envelope.kek.unresolved.policy=plaintext send records
 * unencrypted. A 404 (wrong mount, wrong namespace, a proxy) is MISCONFIGURED.
 */
class VaultKeyNotFoundTest {

  static final String TOKEN = "hvs.not-found-test-root-0020";
  static final String MARKER = "NOT-FOUND-PLAINTEXT-MARKER";
  static FakeVault vault;

  @BeforeAll
  static void start() throws Exception {
    vault = FakeVault.withRootToken(TOKEN, "orders");
  }

  @AfterAll
  static void stop() {
    vault.close();
  }

  @BeforeEach
  void reset() {
    vault.reset();
  }

  static Map<String, Object> config() {
    return vault.clientConfig(TOKEN);
  }

  private static KmsException fails(Reason reason, Runnable call) {
    KmsException e = assertThrows(KmsException.class, call::run);
    assertEquals(reason, e.reason(), e.getMessage());
    return e;
  }

  @Test
  void classifyReportsKeyNotFoundOnlyForTransitsDefiniteAnswer() {
    assertEquals(Reason.KEY_NOT_FOUND, VaultHttp.classify(400, "encryption key not found"));
    assertEquals(Reason.KEY_NOT_FOUND, VaultHttp.classify(400, "Encryption key not found"));
    assertEquals(Reason.MISCONFIGURED, VaultHttp.classify(404, ""));
    assertEquals(Reason.MISCONFIGURED, VaultHttp.classify(404, "no handler for route"));
    assertEquals(Reason.MISCONFIGURED, VaultHttp.classify(404, "encryption key not found"),
        "only Transit's 400 says the key is missing; a 404 never does");
    assertEquals(Reason.UNAVAILABLE, VaultHttp.classify(502, "encryption key not found"));
    assertFalse(VaultHttp.classify(400, "batch item 3: encryption key not found; other")
        == Reason.KEY_NOT_FOUND, "not the whole answer: not definite");
  }

  @Test
  void aMissingKeyUnderTheRightMountIsKeyNotFoundOnDatakeyAndDecrypt() {
    try (KeyManagementService kms = client(config())) {
      KmsException datakey = fails(Reason.KEY_NOT_FOUND,
          () -> kms.generateDataKey("missing", EncryptionContext.forDek("missing")));
      assertTrue(datakey.getMessage().contains("HTTP 400: encryption key not found")
          && datakey.getMessage().contains("no Transit key 'missing' under mount 'transit'"),
          datakey.getMessage());
      DataKey k = kms.generateDataKey("orders", EncryptionContext.forDek("orders"));
      fails(Reason.KEY_NOT_FOUND,
          () -> kms.unwrap("missing", k.wrapped(), EncryptionContext.forDek("missing")));
      assertArrayEquals(k.plaintext(),
          kms.unwrap("orders", k.wrapped(), EncryptionContext.forDek("orders")));
    }
  }

  @Test
  void aWrongMountOrAProxys404IsMisconfiguredAndNamesTheSettings() {
    Map<String, Object> c = config();
    c.put("envelope.kms.vault.transit.mount", "transit-typo");
    try (KeyManagementService kms = client(c)) {
      KmsException datakey = fails(Reason.MISCONFIGURED,
          () -> kms.generateDataKey("orders", EncryptionContext.forDek("orders")));
      assertTrue(datakey.getMessage().contains("HTTP 404")
          && datakey.getMessage().contains("envelope.kms.vault.transit.mount (now "
              + "'transit-typo')")
          && datakey.getMessage().contains("envelope.kms.vault.namespace (now unset)"),
          datakey.getMessage());
      fails(Reason.MISCONFIGURED, () -> kms.unwrap("orders",
          "vault:v1:AAAA".getBytes(StandardCharsets.US_ASCII), EncryptionContext.forDek("orders")));
    }
    assertEquals(2, vault.calls("no-route"), "Vault answered 404 twice, nothing retried");
    try (KeyManagementService kms = client(config())) {
      vault.failNext(1, 404, "<html>404 Not Found</html>"); // e.g. a reverse proxy
      fails(Reason.MISCONFIGURED,
          () -> kms.generateDataKey("orders", EncryptionContext.forDek("orders")));
      vault.failNext(1, 404, "encryption key not found");
      fails(Reason.MISCONFIGURED,
          () -> kms.generateDataKey("orders", EncryptionContext.forDek("orders")));
    }
  }

  /**
   * Through the real serializer: with unresolved.policy=plaintext, a missing key sends plaintext
   * (that is what the setting is for), but a 404 from a wrong mount fails the send.
   */
  @Test
  void unresolvedPolicyPlaintextDowngradesOnlyOnADefiniteMissingKey() {
    Map<String, Object> c = config();
    c.put("envelope.kek.unresolved.policy", "plaintext");
    c.put("envelope.inner.serializer", StringSerializer.class.getName());
    c.put("envelope.kek.id", "missing");
    try (EncryptingSerializer<String> s = new EncryptingSerializer<>()) {
      s.configure(c, false);
      RecordHeaders headers = new RecordHeaders();
      byte[] out = s.serialize("t", headers, MARKER);
      assertEquals(MARKER, new String(out, StandardCharsets.UTF_8),
          "the opted-in downgrade for a key Vault says does not exist");
      assertNull(headers.lastHeader(WireFormat.VALUE_HEADER));
    }
    c.put("envelope.kek.id", "orders");
    c.put("envelope.kms.vault.transit.mount", "transit-typo");
    // the check at configure() (its datakey call) stops the serializer there
    org.apache.kafka.common.config.ConfigException ce = assertThrows(
        org.apache.kafka.common.config.ConfigException.class,
        () -> new EncryptingSerializer<String>().configure(c, false));
    assertTrue(ce.getMessage().contains("MISCONFIGURED") && ce.getMessage().contains(
        "transit-typo"), ce.getMessage());
    // without it, the first record fails closed the same way (never a plaintext downgrade)
    c.put("envelope.kms.check.on.configure", "false");
    try (EncryptingSerializer<String> s = new EncryptingSerializer<>()) {
      s.configure(c, false);
      RuntimeException e = assertThrows(RuntimeException.class,
          () -> s.serialize("t", new RecordHeaders(), MARKER));
      EnvelopeException ee = e instanceof EnvelopeException ? (EnvelopeException) e
          : assertInstanceOf(EnvelopeException.class, e.getCause());
      assertEquals(EnvelopeException.Reason.MISCONFIGURED, ee.reason(), ee.getMessage());
      assertNotNull(ee.getMessage());
      assertFalse(ee.getMessage().contains(MARKER));
    }
  }

  static KeyManagementService client(Map<String, Object> c) {
    return KmsProviders.forType("vault-transit").create(c);
  }
}
