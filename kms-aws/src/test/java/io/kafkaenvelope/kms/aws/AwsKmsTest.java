package io.kafkaenvelope.kms.aws;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkaenvelope.kms.DataKey;
import io.kafkaenvelope.kms.EncryptionContext;
import io.kafkaenvelope.kms.KeyManagementService;
import io.kafkaenvelope.kms.KmsException;
import io.kafkaenvelope.kms.KmsException.Reason;
import io.kafkaenvelope.kms.KmsProviders;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The real AWS SDK v2 client path (marshalling, SigV4, retries, errors) against {@link FakeAwsKms}. */
class AwsKmsTest {

  static final String ACCESS_KEY = "AKIAFAKEFAKEFAKE0001";
  static final String SECRET = "fake-secret-that-must-never-be-printed-0001";

  static FakeAwsKms fake;
  static String keyArn;
  static String otherArn;

  @BeforeAll
  static void start() throws Exception {
    fake = new FakeAwsKms("eu-west-1");
    fake.allowCredentials(ACCESS_KEY, SECRET);
    keyArn = fake.createKey("orders");
    otherArn = fake.createKey("payments");
  }

  @AfterAll
  static void stop() {
    fake.close();
  }

  @BeforeEach
  void reset() {
    fake.resetCounters();
    fake.denyOperation(null);
    fake.latency(0);
  }

  static Map<String, Object> config() {
    Map<String, Object> c = new HashMap<>();
    c.put("envelope.kms.type", "aws-kms");
    c.put("envelope.kms.aws.region", "eu-west-1");
    c.put("envelope.kms.aws.endpoint", fake.endpoint());
    c.put("envelope.kms.aws.access.key.id", ACCESS_KEY);
    c.put("envelope.kms.aws.secret.access.key", SECRET);
    c.put("envelope.kms.aws.max.attempts", "3");
    return c;
  }

  static KeyManagementService client(Map<String, Object> c) {
    return KmsProviders.forType("aws-kms").create(c);
  }

  @Test
  void generateAndUnwrapByAliasArnAndIdWithSignedRequests() {
    int badBefore = fake.badSignatures();
    try (KeyManagementService kms = client(config())) {
      for (String kek : new String[] {"alias/orders", keyArn, keyArn.substring(keyArn.lastIndexOf('/') + 1),
          "arn:aws:kms:eu-west-1:" + FakeAwsKms.ACCOUNT + ":alias/orders"}) {
        EncryptionContext ctx = EncryptionContext.forDek(kek);
        DataKey k = kms.generateDataKey(kek, ctx);
        assertEquals(keyArn, k.kekVersion(), "the resolved key ARN is reported");
        assertArrayEquals(k.plaintext(), kms.unwrap(kek, k.wrapped(), ctx));
      }
    }
    assertEquals(badBefore, fake.badSignatures(), "every request carried a valid SigV4 signature");
    assertEquals(4, fake.calls("GenerateDataKey"));
    assertEquals(4, fake.calls("Decrypt"));
  }

  @Test
  void wrongSecretIsRejectedBySignatureCheck() {
    Map<String, Object> c = config();
    c.put("envelope.kms.aws.secret.access.key", "not-the-secret");
    try (KeyManagementService kms = client(c)) {
      KmsException e = assertThrows(KmsException.class,
          () -> kms.generateDataKey("alias/orders", EncryptionContext.forDek("alias/orders")));
      assertEquals(Reason.ACCESS_DENIED, e.reason());
      assertTrue(e.getMessage().contains("InvalidSignatureException"), e.getMessage());
      assertFalse(e.getMessage().contains("not-the-secret"));
    }
  }

  @Test
  void encryptionContextAndKeyPinningAreEnforced() {
    try (KeyManagementService kms = client(config())) {
      DataKey k = kms.generateDataKey("alias/orders", EncryptionContext.forDek("alias/orders"));
      KmsException ctx = assertThrows(KmsException.class, () -> kms.unwrap("alias/orders",
          k.wrapped(), EncryptionContext.of(Map.of("kafka-envelope:kek", "other"))));
      assertEquals(Reason.INVALID_CIPHERTEXT, ctx.reason());
      KmsException pinned = assertThrows(KmsException.class, () -> kms.unwrap("alias/payments",
          k.wrapped(), EncryptionContext.forDek("alias/orders")));
      assertEquals(Reason.INVALID_CIPHERTEXT, pinned.reason());
      assertTrue(pinned.getMessage().contains("IncorrectKeyException"), pinned.getMessage());
      byte[] tampered = k.wrapped();
      tampered[tampered.length - 1] ^= 1;
      assertEquals(Reason.INVALID_CIPHERTEXT, assertThrows(KmsException.class,
          () -> kms.unwrap("alias/orders", tampered, EncryptionContext.forDek("alias/orders")))
          .reason());
    }
  }

  @Test
  void decryptKekMapUnwrapsWithTheReplacementKey() {
    String replica = fake.createKey("replica");
    Map<String, Object> c = config();
    c.put("envelope.kms.aws.decrypt.kek.map", "arn:aws:kms:us-east-1:1:key/gone=" + replica);
    try (KeyManagementService kms = client(c)) {
      // a DEK wrapped under the replica but whose envelope names the (unreachable) original key
      EncryptionContext ctx = EncryptionContext.forDek("arn:aws:kms:us-east-1:1:key/gone");
      DataKey k = kms.generateDataKey(replica, ctx);
      assertArrayEquals(k.plaintext(), kms.unwrap("arn:aws:kms:us-east-1:1:key/gone", k.wrapped(), ctx));
    }
    Map<String, Object> bad = config();
    bad.put("envelope.kms.aws.decrypt.kek.map", "no-equals-sign");
    assertThrows(ConfigException.class, () -> client(bad));
  }

  @Test
  void errorsAreMappedNamedAndNotRetried() {
    try (KeyManagementService kms = client(config())) {
      KmsException notFound = assertThrows(KmsException.class,
          () -> kms.generateDataKey("alias/nope", EncryptionContext.forDek("alias/nope")));
      assertEquals(Reason.KEY_NOT_FOUND, notFound.reason());
      assertTrue(notFound.getMessage().contains("alias/nope"));
      assertEquals(1, fake.calls("GenerateDataKey"), "not found is not retried");

      fake.denyOperation("Decrypt");
      DataKey k = kms.generateDataKey("alias/orders", EncryptionContext.forDek("alias/orders"));
      KmsException denied = assertThrows(KmsException.class,
          () -> kms.unwrap("alias/orders", k.wrapped(), EncryptionContext.forDek("alias/orders")));
      assertEquals(Reason.ACCESS_DENIED, denied.reason());
      assertTrue(denied.getMessage().contains("alias/orders")
          && denied.getMessage().contains("AccessDeniedException"), denied.getMessage());
      assertEquals(1, fake.calls("Decrypt"), "access denied is not retried");
      fake.denyOperation(null);

      String disabled = fake.createKey("disabled");
      fake.disable(disabled);
      assertEquals(Reason.KEY_DISABLED, assertThrows(KmsException.class,
          () -> kms.generateDataKey(disabled, EncryptionContext.forDek(disabled))).reason());
    }
  }

  @Test
  void throttlingAndServerErrorsAreRetriedThenSucceed() {
    try (KeyManagementService kms = client(config())) {
      fake.failNext(2, "ThrottlingException");
      kms.generateDataKey("alias/orders", EncryptionContext.forDek("alias/orders"));
      assertEquals(3, fake.calls("GenerateDataKey"));
      fake.resetCounters();
      fake.failNext(1, "KMSInternalException");
      kms.generateDataKey("alias/orders", EncryptionContext.forDek("alias/orders"));
      assertEquals(2, fake.calls("GenerateDataKey"));
      fake.resetCounters();
      fake.failNext(5, "ThrottlingException");
      KmsException e = assertThrows(KmsException.class,
          () -> kms.generateDataKey("alias/orders", EncryptionContext.forDek("alias/orders")));
      assertEquals(Reason.THROTTLED, e.reason());
      assertEquals(3, fake.calls("GenerateDataKey"), "max.attempts bounds the retries");
      fake.clearFailures(); // two queued failures were never reached
    }
  }

  @Test
  void slowKmsTimesOutAsUnavailable() {
    Map<String, Object> c = config();
    c.put("envelope.kms.aws.api.call.timeout.ms", "400");
    c.put("envelope.kms.aws.socket.timeout.ms", "200");
    fake.latency(1500);
    try (KeyManagementService kms = client(c)) {
      long start = System.nanoTime();
      KmsException e = assertThrows(KmsException.class,
          () -> kms.generateDataKey("alias/orders", EncryptionContext.forDek("alias/orders")));
      assertEquals(Reason.UNAVAILABLE, e.reason());
      assertTrue((System.nanoTime() - start) / 1_000_000 < 1400);
    } finally {
      fake.latency(0);
    }
  }

  @Test
  void assumeRoleThroughStsThenSignsWithTheTemporaryCredentials() {
    Map<String, Object> c = config();
    c.put("envelope.kms.aws.assume.role.arn", "arn:aws:iam::" + FakeAwsKms.ACCOUNT + ":role/kafka-producer");
    c.put("envelope.kms.aws.assume.role.external.id", "ext-123");
    c.put("envelope.kms.aws.assume.role.session.name", "orders-service");
    c.put("envelope.kms.aws.sts.endpoint", fake.endpoint());
    int before = fake.requestsWithSessionToken.get();
    try (KeyManagementService kms = client(c)) {
      DataKey k = kms.generateDataKey("alias/orders", EncryptionContext.forDek("alias/orders"));
      assertArrayEquals(k.plaintext(),
          kms.unwrap("alias/orders", k.wrapped(), EncryptionContext.forDek("alias/orders")));
      assertTrue(kms.describe().contains("role/kafka-producer"));
    }
    assertEquals("ext-123", fake.lastAssumeRole.get("ExternalId"));
    assertEquals("orders-service", fake.lastAssumeRole.get("RoleSessionName"));
    assertEquals(2, fake.requestsWithSessionToken.get() - before,
        "both KMS calls were signed with the role's temporary credentials");
  }

  @Test
  void credentialsNeverAppearInDescriptionsOrErrors() {
    try (KeyManagementService kms = client(config())) {
      assertFalse(kms.describe().contains(SECRET) || kms.describe().contains(ACCESS_KEY));
      KmsException e = assertThrows(KmsException.class,
          () -> kms.generateDataKey("alias/nope", EncryptionContext.forDek("alias/nope")));
      assertFalse(e.getMessage().contains(SECRET));
    }
    Map<String, Object> half = config();
    half.remove("envelope.kms.aws.secret.access.key");
    ConfigException ce = assertThrows(ConfigException.class, () -> client(half));
    assertFalse(ce.getMessage().contains(ACCESS_KEY));
  }
}
