package io.kafkaenvelope.kms.vault;

import io.kafkaenvelope.kms.KeyManagementService;
import io.kafkaenvelope.kms.KmsProvider;
import java.util.Map;
import org.apache.kafka.common.config.ConfigDef;

/**
 * {@code envelope.kms.type=vault-transit}: KEKs are HashiCorp Vault Transit keys, reached with the
 * JDK's HTTP client.
 */
public final class VaultTransitProvider implements KmsProvider {

  public static final String TYPE = "vault-transit";

  @Override
  public String type() {
    return TYPE;
  }

  @Override
  public ConfigDef configDef() {
    return new ConfigDef(VaultTransitConfig.DEF);
  }

  @Override
  public KeyManagementService create(Map<String, ?> configs) {
    return new VaultTransitKms(new VaultTransitConfig(configs));
  }
}
