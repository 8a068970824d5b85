package io.kafkaenvelope.kms.aws;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkaenvelope.kms.DataKey;
import io.kafkaenvelope.kms.EncryptionContext;
import io.kafkaenvelope.kms.KeyManagementService;
import io.kafkaenvelope.kms.KmsException;
import io.kafkaenvelope.internal.kms.KmsProviders;
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
      String created = admin.createKey().keyMetadata().keyId();
      admin.createAlias(b -> b.aliasName("alias/kafka-envelope-test").targetKeyId(created));
      keyId = created;
    }
    Map<String, Object> c = new HashMap<>();
    c.put("envelope.kms.aws.region", LOCALSTACK.getRegion());
    c.put("envelope.kms.aws.endpoint", LOCALSTACK.getEndpoint().toString());
    c.put("envelope.kms.aws.access.key.id", LOCALSTACK.getAccessKey());
    c.put("envelope.kms.aws.secret.access.key", LOCALSTACK.getSecretKey());
    try (KeyManagementService kms = KmsProviders.forType("aws-kms").create(c)) {
      for (String kek : new String[] {keyId, "alias/kafka-envelope-test"}) {
        EncryptionContext ctx = EncryptionContext.forDek(kek);
        DataKey k = kms.generateDataKey(kek, ctx);
        assertTrue(k.kekVersion().endsWith(":key/" + keyId), k.kekVersion());
        assertArrayEquals(k.plaintext(), kms.unwrap(kek, k.wrapped(), ctx));
        KmsException e = assertThrows(KmsException.class,
            () -> kms.unwrap(kek, k.wrapped(), EncryptionContext.forDek("another-kek")));
        assertEquals(KmsException.Reason.INVALID_CIPHERTEXT, e.reason());
      }
      assertEquals(KmsException.Reason.KEY_NOT_FOUND, assertThrows(KmsException.class,
          () -> kms.generateDataKey("alias/missing", EncryptionContext.forDek("alias/missing")))
          .reason());
    }
  }
}
