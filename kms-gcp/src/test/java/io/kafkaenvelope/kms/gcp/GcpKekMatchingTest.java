package io.kafkaenvelope.kms.gcp;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkaenvelope.kms.KeyManagementService;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The consumer KEK policy's questions, answered from the strings alone (no server: the client is
 * built for a loopback emulator address nobody listens on, and no call is made).
 */
class GcpKekMatchingTest {

  static final String KEY = "projects/shop/locations/europe-west1/keyRings/kafka/cryptoKeys/orders";

  private static KeyManagementService kms(Map<String, Object> extra) {
    Map<String, Object> c = new java.util.HashMap<>(Map.of(GcpKmsConfig.ENDPOINT, "127.0.0.1:9",
        GcpKmsConfig.ENDPOINT_PLAINTEXT, "true"));
    c.putAll(extra);
    return new GcpKmsProvider().create(c);
  }

  @Test
  void aCryptoKeyMatchesItselfAndItsVersions() {
    try (KeyManagementService kms = kms(Map.of())) {
      assertTrue(kms.sameKek(KEY, KEY));
      assertTrue(kms.sameKek(KEY, KEY + "/cryptoKeyVersions/1"));
      assertTrue(kms.sameKek(KEY, KEY + "/cryptoKeyVersions/42"));
      assertTrue(kms.sameKek(KEY + "/cryptoKeyVersions/3", KEY + "/cryptoKeyVersions/3"));
    }
  }

  @Test
  void nothingElseMatches() {
    try (KeyManagementService kms = kms(Map.of())) {
      List<String> others = List.of(
          KEY + "s", // another key whose name starts alike
          KEY.replace("orders", "Orders"), // ids are case-sensitive
          KEY.replace("projects/shop", "projects/123456789012"), // number vs id: not certain
          KEY.replace("europe-west1", "europe-west2"),
          KEY.replace("keyRings/kafka", "keyRings/kafka2"),
          KEY + "s/cryptoKeyVersions/1",
          KEY + "/", KEY + "/cryptoKeyVersions/", KEY + "/cryptoKeyVersions/01",
          "//cloudkms.googleapis.com/" + KEY, " " + KEY, KEY.toUpperCase(java.util.Locale.ROOT));
      for (String other : others) {
        assertFalse(kms.sameKek(KEY, other), other);
      }
      // a pinned version does not admit its key or its other versions
      assertFalse(kms.sameKek(KEY + "/cryptoKeyVersions/1", KEY));
      assertFalse(kms.sameKek(KEY + "/cryptoKeyVersions/1", KEY + "/cryptoKeyVersions/2"));
      // ids that are no resource names never match, not even themselves
      assertFalse(kms.sameKek("orders", "orders"));
      assertFalse(kms.sameKek(KEY + "/..", KEY + "/.."));
    }
  }

  @Test
  void discoveryAdmitsWellFormedNamesOfTheListedProjectsOnly() {
    try (KeyManagementService open = kms(Map.of())) {
      assertTrue(open.discoveryAllows(KEY));
      assertTrue(open.discoveryAllows(KEY.replace("shop", "anyone")));
      assertFalse(open.discoveryAllows("alias/orders"), "not a Cloud KMS name: never sent");
      assertFalse(open.discoveryAllows(KEY + "/../../x"));
    }
    try (KeyManagementService filtered = kms(Map.of(GcpKmsConfig.DISCOVERY_PROJECTS,
        "shop,example.com:billing"))) {
      assertTrue(filtered.discoveryAllows(KEY));
      assertTrue(filtered.discoveryAllows(KEY + "/cryptoKeyVersions/7"));
      assertTrue(filtered.discoveryAllows(KEY.replace("shop", "example.com:billing")));
      assertFalse(filtered.discoveryAllows(KEY.replace("shop", "shop2")));
      assertFalse(filtered.discoveryAllows(KEY.replace("shop", "123456789012")),
          "the project number of 'shop' is another string");
      assertFalse(filtered.discoveryAllows("orders"));
      assertTrue(filtered.describe().contains("[example.com:billing, shop]"),
          filtered.describe());
    }
  }
}
