package io.kafkaenvelope.kms.vault;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.kafkaenvelope.kms.DataKey;
import io.kafkaenvelope.kms.EncryptionContext;
import io.kafkaenvelope.kms.KeyManagementService;
import io.kafkaenvelope.kms.KmsException;
import io.kafkaenvelope.internal.kms.KmsProviders;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.vault.VaultContainer;

/**
 * Against a real Vault (dev mode) where a Docker engine exists; skipped cleanly where none does.
 */
@Testcontainers(disabledWithoutDocker = true)
class VaultContainerTest {

  private static final String ROOT = "container-root-token";

  @Container
  static final VaultContainer<?> VAULT = new VaultContainer<>("hashicorp/vault:1.20")
      .withVaultToken(ROOT)
      .withInitCommand(
          "secrets enable transit",
          "write -f transit/keys/orders",
          "write transit/keys/derived-orders derived=true",
          "write -f transit/keys/payments",
          "auth enable approle");

  private static String vault(String command) throws Exception {
    var r = VAULT.execInContainer("/bin/sh", "-c", "VAULT_ADDR=http://127.0.0.1:8200 VAULT_TOKEN="
        + ROOT + " vault " + command);
    assertEquals(0, r.getExitCode(), r.getStderr());
    return r.getStdout().trim();
  }

  private static Map<String, Object> config() {
    Map<String, Object> c = new HashMap<>();
    c.put("envelope.kms.vault.address", VAULT.getHttpHostAddress());
    c.put("envelope.kms.vault.token", ROOT);
    // the dev-mode container serves plain http, and its host may be a remote Docker daemon
    c.put("envelope.kms.vault.allow.insecure.http", "true");
    return c;
  }

  @Test
  void tokenAuthRotationAndPinningAgainstRealVault() throws Exception {
    EncryptionContext ctx = EncryptionContext.forDek("orders");
    try (KeyManagementService kms = KmsProviders.forType("vault-transit").create(config())) {
      DataKey v1 = kms.generateDataKey("orders", ctx);
      assertArrayEquals(v1.plaintext(), kms.unwrap("orders", v1.wrapped(), ctx));
      vault("write -f transit/keys/orders/rotate");
      DataKey v2 = kms.generateDataKey("orders", ctx);
      assertEquals("v1", v1.kekVersion());
      assertEquals("v2", v2.kekVersion());
      assertArrayEquals(v1.plaintext(), kms.unwrap("orders", v1.wrapped(), ctx));
      assertEquals(KmsException.Reason.KEY_NOT_FOUND, assertThrows(KmsException.class,
          () -> kms.generateDataKey("missing", EncryptionContext.forDek("missing"))).reason());
      assertEquals(KmsException.Reason.KEY_NOT_FOUND, assertThrows(KmsException.class,
          () -> kms.unwrap("missing", v1.wrapped(), EncryptionContext.forDek("missing")))
          .reason(), "decrypt: 400 encryption key not found, as on datakey");
      assertEquals(KmsException.Reason.INVALID_CIPHERTEXT, assertThrows(KmsException.class,
          () -> kms.unwrap("payments", v1.wrapped(), ctx)).reason());
    }
    Map<String, Object> wrongMount = config();
    wrongMount.put("envelope.kms.vault.transit.mount", "transit-typo");
    try (KeyManagementService kms = KmsProviders.forType("vault-transit").create(wrongMount)) {
      // a root token passes every policy, so Vault's router answers: 404, no handler for route
      KmsException e = assertThrows(KmsException.class,
          () -> kms.generateDataKey("orders", ctx));
      assertEquals(KmsException.Reason.MISCONFIGURED, e.reason(), e.getMessage());
    }
    Map<String, Object> derived = config();
    derived.put("envelope.kms.vault.transit.derived", "true");
    try (KeyManagementService kms = KmsProviders.forType("vault-transit").create(derived)) {
      EncryptionContext d = EncryptionContext.forDek("derived-orders");
      DataKey k = kms.generateDataKey("derived-orders", d);
      assertArrayEquals(k.plaintext(), kms.unwrap("derived-orders", k.wrapped(), d));
    }
  }

  @Test
  void appRoleWithTheMinimalPolicyAgainstRealVault() throws Exception {
    // the policies docs/kms-vault.md gives: update on datakey/plaintext and decrypt of one key
    vault("write sys/policy/kafka-envelope policy='"
        + "path \"transit/datakey/plaintext/orders\" { capabilities = [\"update\"] }\n"
        + "path \"transit/decrypt/orders\" { capabilities = [\"update\"] }'");
    vault("write auth/approle/role/kafka token_ttl=1h token_policies=kafka-envelope");
    String roleId = vault("read -field=role_id auth/approle/role/kafka/role-id");
    String secretId = vault("write -f -field=secret_id auth/approle/role/kafka/secret-id");
    Map<String, Object> c = config();
    c.remove("envelope.kms.vault.token");
    c.put("envelope.kms.vault.auth.method", "approle");
    c.put("envelope.kms.vault.approle.role.id", roleId);
    c.put("envelope.kms.vault.approle.secret.id", secretId);
    EncryptionContext ctx = EncryptionContext.forDek("orders");
    try (KeyManagementService kms = KmsProviders.forType("vault-transit").create(c)) {
      DataKey k = kms.generateDataKey("orders", ctx);
      assertArrayEquals(k.plaintext(), kms.unwrap("orders", k.wrapped(), ctx));
      assertEquals(KmsException.Reason.ACCESS_DENIED, assertThrows(KmsException.class,
          () -> kms.generateDataKey("payments", EncryptionContext.forDek("payments"))).reason());
    }
  }
}
