package io.kafkaenvelope.kms.vault;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkaenvelope.kms.KeyManagementService;
import io.kafkaenvelope.internal.kms.KmsProviders;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What {@code sameKek} and {@code discoveryAllows} answer (from the strings alone, never calling
 * Vault), and the refusal of plain http to hosts that are not loopback.
 */
class VaultKekIdentityTest {

  static FakeVault vault;

  @BeforeAll
  static void start() throws Exception {
    vault = new FakeVault();
  }

  @AfterAll
  static void stop() {
    vault.close();
  }

  @Test
  void sameKekMatchesOnlyTheSameBareTransitKeyName() {
    Map<String, Object> c = appRole(vault.address());
    c.put("envelope.kms.vault.transit.mount", "kafka/transit");
    vault.resetCounters();
    try (KeyManagementService kms = KmsProviders.forType("vault-transit").create(c)) {
      assertTrue(kms.sameKek("kafka-orders", "kafka-orders"));
      assertTrue(kms.sameKek("a.b_c-1", "a.b_c-1"));
      // no prefix, suffix or case folding
      assertFalse(kms.sameKek("kafka-orders", "kafka-orders-archive"));
      assertFalse(kms.sameKek("kafka-orders", "kafka-order"));
      assertFalse(kms.sameKek("kafka-orders", "Kafka-Orders"), "Transit names are case-sensitive");
      assertFalse(kms.sameKek("kafka-orders", " kafka-orders"));
      // qualified forms match nothing, not even with the configured mount or each other
      assertFalse(kms.sameKek("kafka/transit/kafka-orders", "kafka-orders"));
      assertFalse(kms.sameKek("kafka-orders", "kafka/transit/kafka-orders"));
      assertFalse(kms.sameKek("kafka/transit/keys/kafka-orders",
          "kafka/transit/keys/kafka-orders"));
      assertFalse(kms.sameKek("transit/kafka-orders", "transit/kafka-orders"));
      // names unwrap would refuse never match
      assertFalse(kms.sameKek("..", ".."));
      assertFalse(kms.sameKek("", ""));
      assertFalse(kms.sameKek("kafka-orders", null));
      assertFalse(kms.sameKek(null, null));

      assertTrue(kms.discoveryAllows("kafka-orders"));
      assertFalse(kms.discoveryAllows("../../sys/seal"));
      assertFalse(kms.discoveryAllows("transit/kafka-orders"));
      assertFalse(kms.discoveryAllows("a..b"));
      assertFalse(kms.discoveryAllows(""));
      assertFalse(kms.discoveryAllows(null));
      assertEquals(0, vault.calls("login/approle") + vault.calls("decrypt")
          + vault.calls("datakey/plaintext") + vault.calls("denied"),
          "decided without calling Vault");
    }
  }

  @Test
  void plainHttpToAHostThatIsNotLoopbackIsRefusedUnlessAllowed() {
    for (String address : new String[] {"http://vault.example.com:8200", "http://10.0.0.5:8200",
        "http://127.0.0.1.nip.io:8200", "http://[::2]:8200", "http://localhost.example.com",
        "http://0177.0.0.1:8200"}) {
      Map<String, Object> c = appRole(address);
      ConfigException e = assertThrows(ConfigException.class,
          () -> KmsProviders.forType("vault-transit").create(c), address);
      assertTrue(e.getMessage().contains("envelope.kms.vault.allow.insecure.http=true")
          && e.getMessage().contains("envelope.kms.vault.address"), e.getMessage());
      c.put("envelope.kms.vault.allow.insecure.http", "true");
      KmsProviders.forType("vault-transit").create(c).close(); // explicitly allowed
    }
    for (String address : new String[] {"http://127.0.0.1:8200", "http://127.10.20.30:8200",
        "http://localhost:8200", "http://LOCALHOST:8200", "http://[::1]:8200",
        "http://[0:0:0:0:0:0:0:1]:8200", "https://vault.example.com:8200",
        "https://10.0.0.5:8200"}) {
      KmsProviders.forType("vault-transit").create(appRole(address)).close();
    }
    assertFalse(VaultTransitConfig.isLoopback(null));
    assertFalse(VaultTransitConfig.isLoopback("[fe80::1%25eth0]"));
    assertTrue(VaultTransitConfig.isLoopback("127.255.255.255"));
    assertFalse(VaultTransitConfig.isLoopback("128.0.0.1"));
    assertFalse(VaultTransitConfig.isLoopback("127.0.0.256"));
  }

  /** AppRole logs in on first use only, so creating a client makes no request. */
  private static Map<String, Object> appRole(String address) {
    Map<String, Object> c = new HashMap<>();
    c.put("envelope.kms.type", "vault-transit");
    c.put("envelope.kms.vault.address", address);
    c.put("envelope.kms.vault.auth.method", "approle");
    c.put("envelope.kms.vault.approle.role.id", "r");
    c.put("envelope.kms.vault.approle.secret.id", "s");
    return c;
  }
}
