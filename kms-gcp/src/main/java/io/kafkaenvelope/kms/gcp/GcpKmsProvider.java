package io.kafkaenvelope.kms.gcp;

import io.kafkaenvelope.kms.KeyManagementService;
import io.kafkaenvelope.kms.KmsProvider;
import java.util.Map;
import org.apache.kafka.common.config.ConfigDef;

/** {@code envelope.kms.type=gcp-kms}: KEKs in Google Cloud KMS, through Google's gRPC client. */
public final class GcpKmsProvider implements KmsProvider {

  public static final String TYPE = "gcp-kms";

  @Override
  public String type() {
    return TYPE;
  }

  @Override
  public ConfigDef configDef() {
    return new ConfigDef(GcpKmsConfig.DEF);
  }

  @Override
  public KeyManagementService create(Map<String, ?> configs) {
    return new GcpKms(new GcpKmsConfig(configs));
  }
}
