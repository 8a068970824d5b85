package io.kafkaenvelope.kms.vault;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkaenvelope.kms.DataKey;
import io.kafkaenvelope.kms.EncryptionContext;
import io.kafkaenvelope.kms.KeyManagementService;
import io.kafkaenvelope.kms.KmsException;
import io.kafkaenvelope.kms.KmsException.Reason;
import io.kafkaenvelope.internal.kms.KmsProviders;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * FakeVault is as strict as Vault where this module's trust model relies on it: policy paths
 * (exact, trailing-{@code *} prefix, {@code +} segment), logins only at mounted auth methods, and
 * Kubernetes logins only with a JWT the "cluster" signed for the bound service account.
 */
class FakeVaultStrictnessTest {

  static final String ROOT = "hvs.strictness-root-0050";
  FakeVault vault;

  @BeforeEach
  void start() throws Exception {
    vault = new FakeVault();
    vault.addToken(ROOT, 0, 0, false, null);
    for (String k : new String[] {"orders", "orders-archive", "kafka-orders", "kafka-payments"}) {
      vault.createKey("transit", k, false);
    }
  }

  @AfterEach
  void stop() {
    vault.close();
  }

  Map<String, Object> token(String token) {
    Map<String, Object> c = new HashMap<>();
    c.put("envelope.kms.type", "vault-transit");
    c.put("envelope.kms.vault.address", vault.address());
    c.put("envelope.kms.vault.token", token);
    c.put("envelope.kms.vault.retry.backoff.ms", "5");
    return c;
  }

  static KeyManagementService client(Map<String, Object> c) {
    return KmsProviders.forType("vault-transit").create(c);
  }

  static EncryptionContext ctx(String kek) {
    return EncryptionContext.forDek(kek);
  }

  private static KmsException fails(Reason reason, Runnable call) {
    return fails(reason, call, "");
  }

  private static KmsException fails(Reason reason, Runnable call, String why) {
    KmsException e = assertThrows(KmsException.class, call::run, why);
    assertEquals(reason, e.reason(), e.getMessage());
    return e;
  }

  @Test
  void policyPathsMatchLikeVault() {
    assertTrue(FakeVault.policyMatches("transit/decrypt/orders", "transit/decrypt/orders"));
    assertFalse(FakeVault.policyMatches("transit/decrypt/orders",
        "transit/decrypt/orders-archive"), "an exact path is not a prefix");
    assertFalse(FakeVault.policyMatches("transit/decrypt/orders", "transit/decrypt/order"));
    assertTrue(FakeVault.policyMatches("transit/decrypt/kafka-*", "transit/decrypt/kafka-orders"));
    assertTrue(FakeVault.policyMatches("transit/decrypt/kafka-*", "transit/decrypt/kafka-"));
    assertFalse(FakeVault.policyMatches("transit/decrypt/kafka-*", "transit/decrypt/kafka"));
    assertFalse(FakeVault.policyMatches("transit/decrypt/kafka-*",
        "transit/datakey/plaintext/kafka-orders"));
    assertTrue(FakeVault.policyMatches("transit/+/orders", "transit/decrypt/orders"));
    assertFalse(FakeVault.policyMatches("transit/+/orders", "transit/datakey/plaintext/orders"),
        "+ is one segment");
    assertFalse(FakeVault.policyMatches("transit/decrypt/+", "transit/decrypt/a/b"));
    assertFalse(FakeVault.policyMatches("transit/*/orders", "transit/decrypt/orders"),
        "* only globs at the end");
    assertFalse(FakeVault.policyMatches("transit/decrypt/or.ers", "transit/decrypt/orders"),
        "no regular expressions");
  }

  @Test
  void anExactPolicyPathDoesNotCoverALongerKeyNameAndAGlobCoversEveryMatchingKey() {
    DataKey orders;
    DataKey archive;
    DataKey kafkaOrders;
    DataKey kafkaPayments;
    try (KeyManagementService root = client(token(ROOT))) {
      orders = root.generateDataKey("orders", ctx("orders"));
      archive = root.generateDataKey("orders-archive", ctx("orders-archive"));
      kafkaOrders = root.generateDataKey("kafka-orders", ctx("kafka-orders"));
      kafkaPayments = root.generateDataKey("kafka-payments", ctx("kafka-payments"));
    }
    vault.addToken("hvs.exact-0051", 0, 0, false, List.of("transit/decrypt/orders"));
    try (KeyManagementService kms = client(token("hvs.exact-0051"))) {
      assertArrayEquals(orders.plaintext(), kms.unwrap("orders", orders.wrapped(),
          ctx("orders")));
      fails(Reason.ACCESS_DENIED,
          () -> kms.unwrap("orders-archive", archive.wrapped(), ctx("orders-archive")));
    }
    vault.addToken("hvs.glob-0052", 0, 0, false, List.of("transit/decrypt/kafka-*"));
    try (KeyManagementService kms = client(token("hvs.glob-0052"))) {
      assertArrayEquals(kafkaOrders.plaintext(),
          kms.unwrap("kafka-orders", kafkaOrders.wrapped(), ctx("kafka-orders")));
      // the danger of the glob: every topic's key is in reach of every such consumer
      assertArrayEquals(kafkaPayments.plaintext(),
          kms.unwrap("kafka-payments", kafkaPayments.wrapped(), ctx("kafka-payments")));
      fails(Reason.ACCESS_DENIED, () -> kms.unwrap("orders", orders.wrapped(), ctx("orders")));
      fails(Reason.ACCESS_DENIED,
          () -> kms.generateDataKey("kafka-orders", ctx("kafka-orders")));
    }
  }

  @Test
  void loginsWorkOnlyAtTheMountOfAnEnabledMethodOfThatType() {
    vault.addAppRole("role", "secret-0053", 600_000, 0, true, null);
    vault.addAppRole("team-approle", "team-role", "team-secret-0054", 600_000, 0, true, null);
    Map<String, Object> c = new HashMap<>(token(ROOT));
    c.remove("envelope.kms.vault.token");
    c.put("envelope.kms.vault.auth.method", "approle");
    c.put("envelope.kms.vault.approle.role.id", "role");
    c.put("envelope.kms.vault.approle.secret.id", "secret-0053");
    try (KeyManagementService kms = client(c)) {
      kms.generateDataKey("orders", ctx("orders"));
    }
    assertEquals(1, vault.calls("login:auth/approle/login"));
    Map<String, Object> typo = new HashMap<>(c);
    typo.put("envelope.kms.vault.approle.mount", "approle-typo");
    vault.resetCounters();
    try (KeyManagementService kms = client(typo)) {
      KmsException e = fails(Reason.ACCESS_DENIED,
          () -> kms.generateDataKey("orders", ctx("orders")));
      assertTrue(e.getMessage().contains("auth/approle-typo/login")
          && e.getMessage().contains("envelope.kms.vault.approle.mount"), e.getMessage());
    }
    assertEquals(0, vault.calls("login/approle"), "no auth method answered");
    Map<String, Object> otherMount = new HashMap<>(c);
    otherMount.put("envelope.kms.vault.approle.mount", "team-approle");
    try (KeyManagementService kms = client(otherMount)) {
      fails(Reason.ACCESS_DENIED, () -> kms.generateDataKey("orders", ctx("orders")));
    }
    vault.enableAuth("approle", "team-approle");
    otherMount.put("envelope.kms.vault.approle.role.id", "team-role");
    otherMount.put("envelope.kms.vault.approle.secret.id", "team-secret-0054");
    try (KeyManagementService kms = client(otherMount)) {
      kms.generateDataKey("orders", ctx("orders"));
    }
    Map<String, Object> wrongMountsRole = new HashMap<>(c);
    wrongMountsRole.put("envelope.kms.vault.approle.mount", "team-approle");
    try (KeyManagementService kms = client(wrongMountsRole)) {
      fails(Reason.ACCESS_DENIED, () -> kms.generateDataKey("orders", ctx("orders")),
          "roles belong to their mount");
    }
    vault.disableAuth("approle");
    try (KeyManagementService kms = client(c)) {
      fails(Reason.ACCESS_DENIED, () -> kms.generateDataKey("orders", ctx("orders")));
    }
  }

  @Test
  void kubernetesLoginsNeedAJwtTheClusterSignedForTheBoundServiceAccount(@TempDir Path dir)
      throws Exception {
    vault.addKubernetesRole("kubernetes", "orders-reader", "kafka", "orders-app", 600_000,
        List.of("transit/datakey/plaintext/orders"));
    Path jwtFile = dir.resolve("token");
    Map<String, Object> c = new HashMap<>(token(ROOT));
    c.remove("envelope.kms.vault.token");
    c.put("envelope.kms.vault.auth.method", "kubernetes");
    c.put("envelope.kms.vault.kubernetes.role", "orders-reader");
    c.put("envelope.kms.vault.kubernetes.jwt.path", jwtFile.toString());
    String valid = vault.serviceAccountJwt("kafka", "orders-app", 600_000);
    String forged;
    try (FakeVault otherCluster = new FakeVault()) {
      forged = otherCluster.serviceAccountJwt("kafka", "orders-app", 600_000);
    }
    String[] parts = valid.split("\\.");
    String[] refused = {
        VaultTransitKmsTest.JWT, // an arbitrary string
        forged, // the right claims, signed by another cluster
        parts[0] + "." + parts[1] + ".", // signature stripped
        parts[0] + "." + parts[1].substring(1) + "." + parts[2], // claims changed
        vault.serviceAccountJwt("kafka", "payments-app", 600_000), // another service account
        vault.serviceAccountJwt("other-ns", "orders-app", 600_000), // another namespace
        vault.serviceAccountJwt("kafka", "orders-app", -1_000), // expired
    };
    for (String jwt : refused) {
      Files.writeString(jwtFile, jwt);
      try (KeyManagementService kms = client(c)) {
        KmsException e = fails(Reason.ACCESS_DENIED,
            () -> kms.generateDataKey("orders", ctx("orders")));
        assertFalse(VaultTransitKmsTest.stackTrace(e).contains(jwt), "the JWT is not echoed");
      }
    }
    assertEquals(0, vault.calls("login:auth/kubernetes/login"), "no refused JWT got a token");
    Files.writeString(jwtFile, valid);
    try (KeyManagementService kms = client(c)) {
      kms.generateDataKey("orders", ctx("orders"));
    }
    assertEquals(1, vault.calls("login:auth/kubernetes/login"));
  }
}
