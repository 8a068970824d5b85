package io.kafkaenvelope.kms.azure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkaenvelope.kms.KeyManagementService;
import io.kafkaenvelope.kms.KeyManagementService.KekUse;
import io.kafkaenvelope.kms.KmsException;
import io.kafkaenvelope.kms.KmsException.Reason;
import io.kafkaenvelope.serde.DecryptingDeserializer;
import io.kafkaenvelope.serde.EncryptingSerializer;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 17, fail fast: {@code checkKek} is one get key through the real Azure SDK client against
 * {@link FakeKeyVault} over TLS, which answers it as Key Vault does (the key bundle with
 * {@code kty}, {@code key_ops} and {@code attributes}; 404 KeyNotFound; 403 KeyDisabled for a
 * disabled key).
 */
class AzureKekCheckTest {

  static FakeKeyVault kv;

  @BeforeAll
  static void start() throws Exception {
    kv = new FakeKeyVault(TestCredential.TOKEN);
    kv.createKey("check-orders", true);
    kv.createKey("check-hsm", false);
    kv.createKey("check-disabled", true);
    kv.setEnabled("check-disabled", false);
    kv.createKey("check-sign-only", true);
    kv.keyOps("check-sign-only", "sign", "verify");
  }

  @AfterAll
  static void stop() {
    kv.close();
  }

  @BeforeEach
  void reset() {
    kv.resetCounters();
    kv.deny(null);
  }

  private static Map<String, Object> config(String kekId) {
    Map<String, Object> c = AzureKeyVaultKmsTest.config(kv);
    c.put("envelope.kms.type", "azure-keyvault");
    c.put("envelope.kek.id", kekId);
    return c;
  }

  private static KmsException fails(String name, KekUse use, Reason reason) {
    String kekId = kv.keyUrl(name);
    try (KeyManagementService kms = new AzureKeyVaultProvider().create(config(kekId))) {
      KmsException e = assertThrows(KmsException.class, () -> kms.checkKek(kekId, use));
      assertEquals(reason, e.reason(), e.getMessage());
      assertTrue(e.getMessage().contains(kekId), e.getMessage());
      return e;
    }
  }

  @Test
  void usableKeysPassWithOneGetAndNoKeyOperation() {
    try (KeyManagementService kms = new AzureKeyVaultProvider().create(config("x"))) {
      assertTrue(kms.checkKek(kv.keyUrl("check-orders"), KekUse.ENCRYPT));
      assertTrue(kms.checkKek(kv.keyUrl("check-orders"), KekUse.DECRYPT));
      assertTrue(kms.checkKek(kv.keyUrl("check-hsm"), KekUse.DECRYPT));
    }
    assertEquals(3, kv.calls("get"));
    assertEquals(0, kv.calls("wrapkey") + kv.calls("unwrapkey") + kv.calls("sign"));
  }

  @Test
  void missingDisabledWrongOperationsDeniedAndDeterministic() {
    fails("no-such-key", KekUse.DECRYPT, Reason.KEY_NOT_FOUND);
    fails("check-disabled", KekUse.ENCRYPT, Reason.KEY_DISABLED);
    assertTrue(fails("check-sign-only", KekUse.DECRYPT, Reason.MISCONFIGURED).getMessage()
        .contains("unwrapKey"));
    assertTrue(fails("check-sign-only", KekUse.ENCRYPT, Reason.MISCONFIGURED).getMessage()
        .contains("wrapKey"));
    assertEquals(4, kv.calls("get"));
    fails("check-orders", KekUse.DERIVE, Reason.MISCONFIGURED);
    assertEquals(4, kv.calls("get"), "refused before any call");
    kv.deny("get");
    fails("check-orders", KekUse.DECRYPT, Reason.ACCESS_DENIED);
  }

  @Test
  @Timeout(60)
  void theSerdesFailInConfigureNamingKekAndSettingWithinTheKmsTimeout() {
    String missing = kv.keyUrl("no-such-key");
    ConfigException e = assertThrows(ConfigException.class,
        () -> new DecryptingDeserializer<>(new StringDeserializer()).configure(config(missing),
            false));
    assertTrue(e.getMessage().contains("envelope.kek.id") && e.getMessage().contains(missing)
        && e.getMessage().contains("KEY_NOT_FOUND"), e.getMessage());
    try (EncryptingSerializer<String> s = new EncryptingSerializer<>(new StringSerializer())) {
      s.configure(config(kv.keyUrl("check-orders")), false);
      kv.resetCounters();
      s.serialize("orders", new RecordHeaders(), "x");
      s.serialize("orders", new RecordHeaders(), "y");
      assertEquals(0, kv.calls("wrapkey"), "configure()'s data key served the records");
    }
    Map<String, Object> slow = config(kv.keyUrl("check-orders"));
    slow.put("envelope.kms.timeout.ms", 500L);
    kv.stall();
    try {
      ConfigException u = assertThrows(ConfigException.class,
          () -> new DecryptingDeserializer<>(new StringDeserializer()).configure(slow, false));
      assertTrue(u.getMessage().contains("UNAVAILABLE") && u.getMessage().contains("500 ms"),
          u.getMessage());
    } finally {
      kv.release();
    }
  }
}
