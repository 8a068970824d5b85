package io.kafkaenvelope.kms.azure;

import io.kafkaenvelope.kms.KeyManagementService;
import io.kafkaenvelope.kms.KmsProvider;
import java.util.Map;
import org.apache.kafka.common.config.ConfigDef;

/**
 * {@code envelope.kms.type=azure-keyvault}: KEKs in Azure Key Vault or Managed HSM, through the
 * Azure SDK for Java ({@code azure-security-keyvault-keys}, {@code azure-identity}).
 */
public final class AzureKeyVaultProvider implements KmsProvider {

  public static final String TYPE = "azure-keyvault";

  @Override
  public String type() {
    return TYPE;
  }

  @Override
  public ConfigDef configDef() {
    return new ConfigDef(AzureKeyVaultConfig.DEF);
  }

  @Override
  public KeyManagementService create(Map<String, ?> configs) {
    return new AzureKeyVaultKms(new AzureKeyVaultConfig(configs));
  }
}
