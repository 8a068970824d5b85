package io.kafkaenvelope.kms.gcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkaenvelope.kms.KeyManagementService;
import io.kafkaenvelope.kms.KmsProvider;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.ServiceLoader;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Settings: what is refused before any client is built, and why. */
class GcpKmsConfigTest {

  @TempDir Path dir;

  private static ConfigException refused(Map<String, Object> c) {
    return assertThrows(ConfigException.class, () -> new GcpKmsProvider().create(c).close());
  }

  @Test
  void theProviderIsFoundByItsType() {
    boolean found = false;
    for (KmsProvider p : ServiceLoader.load(KmsProvider.class)) {
      found |= p instanceof GcpKmsProvider && p.type().equals("gcp-kms");
    }
    assertTrue(found);
  }

  @Test
  void plaintextOnlyToALoopbackAddressAndWithoutCredentials() throws Exception {
    for (String ok : new String[] {"127.0.0.1:8085", "localhost:8085", "[::1]:8085",
        "127.9.9.9:1"}) {
      new GcpKmsProvider().create(Map.of(GcpKmsConfig.ENDPOINT, ok,
          GcpKmsConfig.ENDPOINT_PLAINTEXT, "true")).close();
    }
    for (String remote : new String[] {"cloudkms.googleapis.com:443", "10.0.0.1:8085",
        "localhost.example.com:80", "[2001:db8::1]:80", "cafe:80", "127.0.0.1.nip.io:80"}) {
      ConfigException e = refused(Map.of(GcpKmsConfig.ENDPOINT, remote,
          GcpKmsConfig.ENDPOINT_PLAINTEXT, "true"));
      assertTrue(e.getMessage().contains(GcpKmsConfig.ENDPOINT_PLAINTEXT), e.getMessage());
    }
    assertTrue(refused(Map.of(GcpKmsConfig.ENDPOINT_PLAINTEXT, "true")).getMessage()
        .contains(GcpKmsConfig.ENDPOINT));
    Path file = Files.writeString(dir.resolve("sa.json"), "{\"type\":\"service_account\"}");
    ConfigException e = refused(Map.of(GcpKmsConfig.ENDPOINT, "127.0.0.1:1",
        GcpKmsConfig.ENDPOINT_PLAINTEXT, "true", GcpKmsConfig.CREDENTIALS_FILE, file.toString()));
    assertTrue(e.getMessage().contains(GcpKmsConfig.CREDENTIALS_FILE), e.getMessage());
  }

  @Test
  void anEndpointIsHostAndPort() {
    for (String bad : new String[] {"https://cloudkms.googleapis.com", "cloudkms.googleapis.com",
        "host:port", "a b:1"}) {
      ConfigException e = refused(Map.of(GcpKmsConfig.ENDPOINT, bad));
      assertTrue(e.getMessage().contains(GcpKmsConfig.ENDPOINT), e.getMessage());
    }
  }

  @Test
  void credentialsFilesAreCheckedWithoutQuotingThem() throws Exception {
    String secret = "never-quoted-0123456789";
    Map<String, Object> c = new HashMap<>();
    c.put(GcpKmsConfig.CREDENTIALS_FILE, dir.resolve("missing.json").toString());
    assertTrue(refused(c).getMessage().contains("cannot be read"));
    Path notJson = Files.writeString(dir.resolve("a.json"), "{" + secret);
    c.put(GcpKmsConfig.CREDENTIALS_FILE, notJson.toString());
    ConfigException e = refused(c);
    assertTrue(e.getMessage().contains("not valid JSON"), e.getMessage());
    assertFalse(e.getMessage().contains(secret));
    Path user = Files.writeString(dir.resolve("u.json"), "{\"type\":\"authorized_user\","
        + "\"client_secret\":\"" + secret + "\",\"refresh_token\":\"" + secret + "\"}");
    c.put(GcpKmsConfig.CREDENTIALS_FILE, user.toString());
    e = refused(c);
    assertTrue(e.getMessage().contains("authorized_user"), e.getMessage());
    assertFalse(e.getMessage().contains(secret));
    Path broken = Files.writeString(dir.resolve("b.json"), "{\"type\":\"service_account\","
        + "\"private_key\":\"" + secret + "\"}");
    c.put(GcpKmsConfig.CREDENTIALS_FILE, broken.toString());
    e = refused(c);
    assertTrue(e.getMessage().contains(GcpKmsConfig.CREDENTIALS_FILE), e.getMessage());
    assertFalse(e.getMessage().contains(secret));
  }

  @Test
  void aMissingCaFileIsNamed() {
    ConfigException e = refused(Map.of(GcpKmsConfig.ENDPOINT, "127.0.0.1:1",
        GcpKmsConfig.TLS_CA_FILE, dir.resolve("none.pem").toString(),
        GcpKmsConfig.CREDENTIALS_FILE, "x"));
    assertTrue(e.getMessage().contains("cannot be read") || e.getMessage().contains(
        GcpKmsConfig.TLS_CA_FILE), e.getMessage());
  }

  @Test
  void discoveryProjectsMustLookLikeProjects() {
    ConfigException e = refused(Map.of(GcpKmsConfig.ENDPOINT, "127.0.0.1:1",
        GcpKmsConfig.ENDPOINT_PLAINTEXT, "true", GcpKmsConfig.DISCOVERY_PROJECTS,
        "projects/shop"));
    assertTrue(e.getMessage().contains(GcpKmsConfig.DISCOVERY_PROJECTS), e.getMessage());
  }

  @Test
  void retrySettingsFollowTheConfiguration() {
    GcpKmsConfig c = new GcpKmsConfig(Map.of(GcpKmsConfig.MAX_ATTEMPTS, "7",
        GcpKmsConfig.RPC_TIMEOUT_MS, "1500", GcpKmsConfig.API_CALL_TIMEOUT_MS, "9000",
        GcpKmsConfig.RETRY_BACKOFF_MS, "50", GcpKmsConfig.RETRY_MAX_BACKOFF_MS, "800"));
    var r = GcpClients.retrySettings(c);
    assertEquals(7, r.getMaxAttempts());
    assertEquals(1500, r.getInitialRpcTimeoutDuration().toMillis());
    assertEquals(1500, r.getMaxRpcTimeoutDuration().toMillis());
    assertEquals(9000, r.getTotalTimeoutDuration().toMillis());
    assertEquals(50, r.getInitialRetryDelayDuration().toMillis());
    assertEquals(800, r.getMaxRetryDelayDuration().toMillis());
    assertFalse(GcpClients.RETRYABLE.contains(
        com.google.api.gax.rpc.StatusCode.Code.PERMISSION_DENIED));
    try (KeyManagementService kms = new GcpKmsProvider().create(Map.of(GcpKmsConfig.ENDPOINT,
        "127.0.0.1:1", GcpKmsConfig.ENDPOINT_PLAINTEXT, "true"))) {
      assertTrue(kms.describe().startsWith("gcp-kms(endpoint=127.0.0.1:1 (plaintext)"),
          kms.describe());
    }
  }
}
