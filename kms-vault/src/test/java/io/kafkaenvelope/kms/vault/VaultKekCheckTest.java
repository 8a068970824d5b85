package io.kafkaenvelope.kms.vault;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkaenvelope.internal.kms.KmsProviders;
import io.kafkaenvelope.kms.KeyManagementService;
import io.kafkaenvelope.kms.KeyManagementService.KekUse;
import io.kafkaenvelope.kms.KmsException;
import io.kafkaenvelope.kms.KmsException.Reason;
import io.kafkaenvelope.serde.DecryptingDeserializer;
import io.kafkaenvelope.serde.EncryptingSerializer;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 17, fail fast: {@code checkKek} is one {@code GET transit/keys/<name>} through the real
 * client against {@link FakeVault}, which answers it as Vault does (the key's metadata; HTTP 404
 * with no error text for a missing key).
 */
class VaultKekCheckTest {

  static final String TOKEN = "hvs.kek-check-root-0031";
  static final String DATAKEY_ONLY = "hvs.kek-check-datakey-only-0032";
  static FakeVault vault;

  @BeforeAll
  static void start() throws Exception {
    vault = FakeVault.withRootToken(TOKEN, "orders", "signing", "old-hmac");
    vault.createKey("transit", "derived-key", true);
    vault.keyType("transit", "signing", "ed25519");
    vault.minEncryptionVersion("transit", "old-hmac", 2);
    vault.addToken(DATAKEY_ONLY, 0, 0, false, List.of("transit/datakey/plaintext/orders"));
  }

  @AfterAll
  static void stop() {
    vault.close();
  }

  @BeforeEach
  void reset() {
    vault.reset();
  }

  private static KmsException fails(String kekId, KekUse use, Reason reason) {
    try (KeyManagementService kms = KmsProviders.forType("vault-transit")
        .create(vault.clientConfig(TOKEN))) {
      KmsException e = assertThrows(KmsException.class, () -> kms.checkKek(kekId, use));
      assertEquals(reason, e.reason(), e.getMessage());
      assertTrue(e.getMessage().contains(kekId), e.getMessage());
      return e;
    }
  }

  @Test
  void aUsableKeyPassesWithOneReadAndNoKeyOperation() {
    try (KeyManagementService kms = KmsProviders.forType("vault-transit")
        .create(vault.clientConfig(TOKEN))) {
      assertTrue(kms.checkKek("orders", KekUse.ENCRYPT));
      assertTrue(kms.checkKek("orders", KekUse.DECRYPT));
      assertTrue(kms.checkKek("signing", KekUse.DERIVE), "HMAC works with any key type");
    }
    assertEquals(3, vault.calls("keys"));
    assertEquals(0, vault.calls("datakey/plaintext") + vault.calls("decrypt")
        + vault.calls("hmac"));
  }

  @Test
  void missingWrongTypeDerivedMismatchAndRefusedHmacVersion() {
    fails("no-such-key", KekUse.DECRYPT, Reason.KEY_NOT_FOUND);
    assertTrue(fails("signing", KekUse.ENCRYPT, Reason.MISCONFIGURED).getMessage()
        .contains("ed25519"));
    assertTrue(fails("derived-key", KekUse.DECRYPT, Reason.MISCONFIGURED).getMessage()
        .contains("envelope.kms.vault.transit.derived"));
    assertTrue(fails("old-hmac", KekUse.DERIVE, Reason.KEY_DISABLED).getMessage()
        .contains("min_encryption_version"));
    assertEquals(4, vault.calls("keys"));
  }

  @Test
  void aTokenWithoutReadOnTheKeyIsAccessDeniedNamingThePath() {
    try (KeyManagementService kms = KmsProviders.forType("vault-transit")
        .create(vault.clientConfig(DATAKEY_ONLY))) {
      KmsException e = assertThrows(KmsException.class,
          () -> kms.checkKek("orders", KekUse.DECRYPT));
      assertEquals(Reason.ACCESS_DENIED, e.reason());
      assertTrue(e.getMessage().contains("'read' on transit/keys/orders"), e.getMessage());
    }
  }

  @Test
  void theSerdesFailInConfigureNamingKekAndSetting() throws Exception {
    Map<String, Object> c = vault.clientConfig(TOKEN);
    c.put("envelope.kek.id", "orders");
    c.put("envelope.kek.allowed.ids", "no-such-key");
    ConfigException e = assertThrows(ConfigException.class,
        () -> new DecryptingDeserializer<>(new StringDeserializer()).configure(c, false));
    assertTrue(e.getMessage().contains("envelope.kek.allowed.ids")
        && e.getMessage().contains("no-such-key") && e.getMessage().contains("KEY_NOT_FOUND"),
        e.getMessage());
    assertEquals(2, vault.calls("keys"), "orders, then no-such-key");

    c.remove("envelope.kek.allowed.ids");
    try (EncryptingSerializer<String> s = new EncryptingSerializer<>(new StringSerializer())) {
      s.configure(c, false);
      s.serialize("orders", new RecordHeaders(), "x");
      s.serialize("orders", new RecordHeaders(), "y");
    }
    assertEquals(1, vault.calls("datakey/plaintext"), "configure()'s data key served the records");

    int port;
    try (ServerSocket closed = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = closed.getLocalPort();
    }
    c.put("envelope.kms.vault.address", "http://127.0.0.1:" + port);
    c.put("envelope.kms.timeout.ms", 2000L);
    ConfigException u = assertThrows(ConfigException.class,
        () -> new DecryptingDeserializer<>(new StringDeserializer()).configure(c, false));
    assertTrue(u.getMessage().contains("UNAVAILABLE") && u.getMessage().contains("orders"),
        u.getMessage());
  }
}
