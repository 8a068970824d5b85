package io.kafkaenvelope.kms.azure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkaenvelope.kms.KeyManagementService;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code sameKek} and {@code discoveryAllows} from strings alone (no Key Vault involved). */
class AzureKekMatchingTest {

  private static final String K = "https://orders.vault.azure.net/keys/orders-kek";
  private static final String V1 = "0123456789abcdef0123456789abcdef";
  private static final String V2 = "fedcba9876543210fedcba9876543210";

  private static KeyManagementService kms(Map<String, Object> extra) {
    Map<String, Object> c = new HashMap<>();
    c.put("envelope.kms.azure.credential", "custom");
    c.put("envelope.kms.azure.credential.class", TestCredential.class.getName());
    c.putAll(extra);
    return new AzureKeyVaultProvider().create(c);
  }

  @Test
  void versionlessExpectationMatchesAnyVersionOfTheSameKeyInAnySpellingOfTheHost() {
    try (KeyManagementService k = kms(Map.of())) {
      assertTrue(k.sameKek(K, K));
      assertTrue(k.sameKek(K, K + "/"));
      assertTrue(k.sameKek(K + "/", K));
      assertTrue(k.sameKek(K, K + "/" + V1));
      assertTrue(k.sameKek(K, K + "/" + V2 + "/"));
      assertTrue(k.sameKek(K, "https://ORDERS.Vault.Azure.NET/keys/orders-kek"));
      assertTrue(k.sameKek(K, "https://orders.vault.azure.net:443/keys/orders-kek"));
      assertTrue(k.sameKek(K, "HTTPS://orders.vault.azure.net/keys/orders-kek"));
    }
  }

  @Test
  void versionedExpectationMatchesOnlyThatVersion() {
    try (KeyManagementService k = kms(Map.of())) {
      assertTrue(k.sameKek(K + "/" + V1, K + "/" + V1));
      assertTrue(k.sameKek(K + "/" + V1, K + "/" + V1 + "/"));
      assertFalse(k.sameKek(K + "/" + V1, K + "/" + V2));
      assertFalse(k.sameKek(K + "/" + V1, K), "a versionless record may be any version");
    }
  }

  @Test
  void otherKeysVaultsPortsAndNonUrlsNeverMatch() {
    try (KeyManagementService k = kms(Map.of())) {
      assertFalse(k.sameKek(K, "https://orders.vault.azure.net/keys/orders-kek2"));
      assertFalse(k.sameKek(K, "https://orders.vault.azure.net/keys/Orders-Kek"),
          "names are compared as written");
      assertFalse(k.sameKek(K, "https://other.vault.azure.net/keys/orders-kek"));
      assertFalse(k.sameKek(K, "https://orders.vault.azure.net.evil.example/keys/orders-kek"));
      assertFalse(k.sameKek(K, "https://orders.vault.azure.net:8443/keys/orders-kek"));
      assertFalse(k.sameKek(K, "http://orders.vault.azure.net/keys/orders-kek"));
      assertFalse(k.sameKek(K, "https://orders.vault.azure.net/secrets/orders-kek"));
      assertFalse(k.sameKek(K, "https://orders.vault.azure.net/keys/orders-kek?x=1"));
      assertFalse(k.sameKek(K, "https://u@orders.vault.azure.net/keys/orders-kek"));
      assertFalse(k.sameKek(K, "https://orders.vault.azure.net/keys/orders-kek/" + V1 + "/x"));
      assertFalse(k.sameKek(K, "https://orders.vault.azure.net/keys/../keys/orders-kek"));
      assertFalse(k.sameKek("orders-kek", "orders-kek"), "not a key URL: nothing matches");
      assertFalse(k.sameKek(K, "orders-kek"));
    }
  }

  @Test
  void managedHsmUrlsParseLikeVaultUrls() {
    AzureKeyUrl u = AzureKeyUrl.parse("https://contoso.managedhsm.azure.net/keys/k1/" + V1);
    assertEquals("contoso.managedhsm.azure.net", u.host);
    assertEquals("k1", u.name);
    assertEquals(V1, u.version);
    assertNull(AzureKeyUrl.parse("https://contoso.managedhsm.azure.net/keys/"));
    assertNull(AzureKeyUrl.parse("https://contoso.managedhsm.azure.net/keys/k_1"));
    assertEquals("https://a.vault.azure.net/keys/k", AzureKeyUrl.parse(
        "https://A.vault.azure.net:443/keys/k/").toString());
  }

  @Test
  void discoveryAdmitsKeyUrlsAndWithAFilterOnlyItsHosts() {
    try (KeyManagementService open = kms(Map.of())) {
      assertTrue(open.discoveryAllows(K + "/" + V1));
      assertTrue(open.discoveryAllows("https://anything.example/keys/x"));
      assertFalse(open.discoveryAllows("orders"), "not a key URL: could not be unwrapped");
    }
    try (KeyManagementService filtered = kms(Map.of("envelope.kms.azure.discovery.hosts",
        "Orders.vault.azure.net, contoso.managedhsm.azure.net"))) {
      assertTrue(filtered.discoveryAllows(K));
      assertTrue(filtered.discoveryAllows("https://ORDERS.vault.azure.net/keys/x/" + V2));
      assertTrue(filtered.discoveryAllows("https://contoso.managedhsm.azure.net/keys/h"));
      assertFalse(filtered.discoveryAllows("https://other.vault.azure.net/keys/orders-kek"));
      assertFalse(filtered.discoveryAllows("https://orders.vault.azure.net:8443/keys/x"));
      assertFalse(filtered.discoveryAllows("https://evil.orders.vault.azure.net/keys/x"));
    }
  }
}
