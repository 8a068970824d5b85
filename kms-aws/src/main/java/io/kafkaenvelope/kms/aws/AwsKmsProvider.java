package io.kafkaenvelope.kms.aws;

import io.kafkaenvelope.kms.KeyManagementService;
import io.kafkaenvelope.kms.KmsProvider;
import java.util.Map;
import org.apache.kafka.common.config.ConfigDef;

/** {@code envelope.kms.type=aws-kms}: KEKs in AWS KMS, through the AWS SDK for Java v2. */
public final class AwsKmsProvider implements KmsProvider {

  public static final String TYPE = "aws-kms";

  @Override
  public String type() {
    return TYPE;
  }

  @Override
  public ConfigDef configDef() {
    return new ConfigDef(AwsKmsConfig.DEF);
  }

  @Override
  public KeyManagementService create(Map<String, ?> configs) {
    return new AwsKms(new AwsKmsConfig(configs));
  }
}
