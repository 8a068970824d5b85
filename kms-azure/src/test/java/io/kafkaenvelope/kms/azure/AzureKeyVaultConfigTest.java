package io.kafkaenvelope.kms.azure;

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
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Settings: validation with messages naming the setting, secrets typed and never printed. */
class AzureKeyVaultConfigTest {

  static final String SECRET = "azure-client-secret-never-printed-42";

  private static ConfigException invalid(Map<String, Object> c) {
    return assertThrows(ConfigException.class, () -> new AzureKeyVaultProvider().create(c));
  }

  @Test
  void theProviderIsFoundByItsType() {
    boolean found = false;
    for (KmsProvider p : ServiceLoader.load(KmsProvider.class)) {
      found |= p.type().equals("azure-keyvault") && p instanceof AzureKeyVaultProvider;
    }
    assertTrue(found);
  }

  @Test
  void secretsArePasswordsEveryNameHasThePrefix() {
    ConfigDef def = new AzureKeyVaultProvider().configDef();
    assertEquals(ConfigDef.Type.PASSWORD,
        def.configKeys().get(AzureKeyVaultConfig.CLIENT_SECRET).type);
    assertEquals(ConfigDef.Type.PASSWORD,
        def.configKeys().get(AzureKeyVaultConfig.CLIENT_CERTIFICATE_PASSWORD).type);
    assertTrue(def.names().stream().allMatch(n -> n.startsWith("envelope.kms.azure.")));
  }

  @Test
  void clientSecretNeedsTenantClientAndSecretAndIsNeverDescribed() {
    Map<String, Object> c = new HashMap<>();
    c.put("envelope.kms.azure.credential", "client-secret");
    c.put("envelope.kms.azure.tenant.id", "tenant-1");
    ConfigException e = invalid(c);
    assertTrue(e.getMessage().contains("envelope.kms.azure.client.id"), e.getMessage());
    c.put("envelope.kms.azure.client.id", "app-1");
    e = invalid(c);
    assertTrue(e.getMessage().contains("envelope.kms.azure.client.secret"), e.getMessage());
    c.put("envelope.kms.azure.client.secret", SECRET);
    try (KeyManagementService k = new AzureKeyVaultProvider().create(c)) {
      assertTrue(k.describe().contains("client-secret"));
      assertFalse(k.describe().contains(SECRET));
      assertFalse(k.toString().contains(SECRET));
    }
  }

  @Test
  void aSecretForAnotherCredentialKindIsRefused() {
    Map<String, Object> c = new HashMap<>();
    c.put("envelope.kms.azure.client.secret", SECRET);
    ConfigException e = invalid(c);
    assertTrue(e.getMessage().contains("envelope.kms.azure.credential"), e.getMessage());
    assertFalse(e.getMessage().contains(SECRET));
  }

  @Test
  void everyCredentialKindBuildsWithoutCallingAzure(@TempDir Path dir) throws Exception {
    Path pem = Files.writeString(dir.resolve("sp.pem"), "not read until a token is needed");
    Path token = Files.writeString(dir.resolve("token"), "federated");
    Map<String, Map<String, Object>> kinds = Map.of(
        "default", Map.of(),
        "managed-identity", Map.of("envelope.kms.azure.client.id", "mi-1"),
        "client-certificate", Map.of("envelope.kms.azure.tenant.id", "t",
            "envelope.kms.azure.client.id", "c",
            "envelope.kms.azure.client.certificate.path", pem.toString()),
        "workload-identity", Map.of("envelope.kms.azure.tenant.id", "t",
            "envelope.kms.azure.client.id", "c",
            "envelope.kms.azure.federated.token.file", token.toString()));
    for (Map.Entry<String, Map<String, Object>> kind : kinds.entrySet()) {
      Map<String, Object> c = new HashMap<>(kind.getValue());
      c.put("envelope.kms.azure.credential", kind.getKey());
      try (KeyManagementService k = new AzureKeyVaultProvider().create(c)) {
        assertTrue(k.describe().contains("credential=" + kind.getKey()), k.describe());
      }
    }
  }

  @Test
  void badValuesNameTheirSetting(@TempDir Path dir) {
    Map<String, Object> c = new HashMap<>();
    c.put("envelope.kms.azure.credential", "client-certificate");
    c.put("envelope.kms.azure.tenant.id", "t");
    c.put("envelope.kms.azure.client.id", "c");
    c.put("envelope.kms.azure.client.certificate.path", dir.resolve("missing.pem").toString());
    assertTrue(invalid(c).getMessage().contains("client.certificate.path"));

    assertTrue(invalid(Map.of("envelope.kms.azure.credential", "custom")).getMessage()
        .contains("envelope.kms.azure.credential.class"));
    assertTrue(invalid(Map.of("envelope.kms.azure.credential", "custom",
        "envelope.kms.azure.credential.class", String.class.getName())).getMessage()
        .contains("TokenCredential"));
    assertTrue(invalid(Map.of("envelope.kms.azure.credential", "password")).getMessage()
        .contains("envelope.kms.azure.credential"));
    assertTrue(invalid(Map.of("envelope.kms.azure.wrap.algorithm", "RSA1_5")).getMessage()
        .contains("envelope.kms.azure.wrap.algorithm"));
    assertTrue(invalid(Map.of("envelope.kms.azure.tls.ca.file",
        dir.resolve("none.pem").toString())).getMessage().contains("tls.ca.file"));
    assertTrue(invalid(Map.of("envelope.kms.azure.discovery.hosts", "https://x/")).getMessage()
        .contains("discovery.hosts"));
    assertTrue(invalid(Map.of("envelope.kms.azure.max.retries", "11")).getMessage()
        .contains("max.retries"));
  }

  @Test
  void aCaFileWithoutCertificatesIsRefused(@TempDir Path dir) throws Exception {
    Path empty = Files.writeString(dir.resolve("empty.pem"), "");
    ConfigException e = invalid(Map.of("envelope.kms.azure.tls.ca.file", empty.toString()));
    assertTrue(e.getMessage().contains("tls.ca.file"), e.getMessage());
  }
}
