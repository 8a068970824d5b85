package io.kafkaenvelope.kms.azure;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkaenvelope.kms.DataKey;
import io.kafkaenvelope.kms.EncryptionContext;
import io.kafkaenvelope.kms.KeyManagementService;
import io.kafkaenvelope.kms.KmsException;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * credential=client-secret through azure-identity and MSAL: the token comes from
 * {@link FakeKeyVault}'s Entra token endpoint ({@code authority.host} on loopback), which checks
 * the client id, the secret and the Key Vault scope, and Key Vault checks that token.
 */
class AzureClientSecretTest {

  static final String SECRET = "entra-client-secret-never-logged-3b9e";
  static final String WRONG_SECRET = "wrong-secret-never-logged-9d2f";
  static final String ENTRA_TOKEN = "entra-issued-token-never-logged-c41d";
  static FakeKeyVault kv;

  @BeforeAll
  static void start() throws Exception {
    kv = new FakeKeyVault(ENTRA_TOKEN);
    kv.entraClient = "kafka-envelope-app";
    kv.entraSecret = SECRET;
    kv.createKey("orders", true);
  }

  @AfterAll
  static void stop() {
    kv.close();
  }

  private static Map<String, Object> config(String secret) {
    Map<String, Object> c = new HashMap<>();
    c.put("envelope.kms.azure.credential", "client-secret");
    c.put("envelope.kms.azure.tenant.id", FakeKeyVault.TENANT);
    c.put("envelope.kms.azure.client.id", "kafka-envelope-app");
    c.put("envelope.kms.azure.client.secret", secret);
    c.put("envelope.kms.azure.authority.host", kv.vaultUrl());
    c.put("envelope.kms.azure.instance.discovery", "false");
    c.put("envelope.kms.azure.tls.ca.file", kv.caFile());
    c.put("envelope.kms.azure.verify.challenge.resource", "false");
    c.put("envelope.kms.azure.wrap.algorithm", "RSA-OAEP-256");
    return c;
  }

  @Test
  void aServicePrincipalSecretBuysAKeyVaultToken() {
    String kek = kv.keyUrl("orders");
    EncryptionContext ctx = EncryptionContext.forDek(kek);
    try (KeyManagementService k = new AzureKeyVaultProvider().create(config(SECRET))) {
      DataKey dk = k.generateDataKey(kek, ctx);
      assertArrayEquals(dk.plaintext(), k.unwrap(kek, dk.wrapped(), ctx));
      assertFalse(k.describe().contains(SECRET));
    }
    assertTrue(kv.calls("token") >= 1, "Entra's token endpoint was asked");
    assertEquals(0, kv.calls("rejected-token"));
  }

  @Test
  void aWrongSecretIsAccessDeniedNamingTheCredentialNotTheSecret() {
    String kek = kv.keyUrl("orders");
    String wrong = WRONG_SECRET;
    try (KeyManagementService k = new AzureKeyVaultProvider().create(config(wrong))) {
      KmsException e = assertThrows(KmsException.class,
          () -> k.generateDataKey(kek, EncryptionContext.forDek(kek)));
      assertEquals(KmsException.Reason.ACCESS_DENIED, e.reason(), e.getMessage());
      assertFalse(e.getMessage().contains(wrong));
      assertFalse(e.getMessage().contains(SECRET));
    }
  }
}
