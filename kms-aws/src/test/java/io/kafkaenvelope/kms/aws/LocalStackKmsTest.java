package io.kafkaenvelope.kms.aws;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import io.kafkaenvelope.kms.DataKey;
import io.kafkaenvelope.kms.EncryptionContext;
import io.kafkaenvelope.kms.KeyManagementService;
import io.kafkaenvelope.kms.KmsProviders;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.localstack.LocalStackContainer;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.utility.DockerImageName;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kms.KmsClient;

/** Against LocalStack's KMS where a Docker engine exists; skipped cleanly where none does. */
@Testcontainers(disabledWithoutDocker = true)
class LocalStackKmsTest {

  @Container
  static final LocalStackContainer LOCALSTACK =
      new LocalStackContainer(DockerImageName.parse("localstack/localstack:4.4"))
          .withServices(LocalStackContainer.Service.KMS);

  @Test
  void roundTripThroughLocalStack() {
    String keyId;
    try (KmsClient admin = KmsClient.builder()
        .endpointOverride(LOCALSTACK.getEndpoint())
        .region(Region.of(LOCALSTACK.getRegion()))
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(
            LOCALSTACK.getAccessKey(), LOCALSTACK.getSecretKey())))
        .build()) {
      keyId = admin.createKey().keyMetadata().keyId();
    }
    Map<String, Object> c = new HashMap<>();
    c.put("envelope.kms.aws.region", LOCALSTACK.getRegion());
    c.put("envelope.kms.aws.endpoint", LOCALSTACK.getEndpoint().toString());
    c.put("envelope.kms.aws.access.key.id", LOCALSTACK.getAccessKey());
    c.put("envelope.kms.aws.secret.access.key", LOCALSTACK.getSecretKey());
    try (KeyManagementService kms = KmsProviders.forType("aws-kms").create(c)) {
      EncryptionContext ctx = EncryptionContext.forDek(keyId);
      DataKey k = kms.generateDataKey(keyId, ctx);
      assertArrayEquals(k.plaintext(), kms.unwrap(keyId, k.wrapped(), ctx));
    }
  }
}
