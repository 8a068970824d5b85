package io.kafkaenvelope.kms.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkaenvelope.internal.kms.KmsProviders;
import io.kafkaenvelope.kms.KeyManagementService;
import io.kafkaenvelope.kms.KeyManagementService.KekUse;
import io.kafkaenvelope.kms.KmsException;
import io.kafkaenvelope.kms.KmsException.Reason;
import io.kafkaenvelope.serde.DecryptingDeserializer;
import io.kafkaenvelope.serde.EncryptingSerializer;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 17, fail fast: {@code checkKek} is one {@code DescribeKey} through the real SDK client
 * against {@link FakeAwsKms} (which answers it as AWS KMS does: KeyMetadata with KeyState,
 * KeyUsage, KeySpec); the serdes' check at {@code configure()} turns its answer into a
 * ConfigException naming the KEK and the setting.
 */
class AwsKekCheckTest {

  static FakeAwsKms fake;
  static String orders;
  static String hmac;

  @BeforeAll
  static void start() throws Exception {
    fake = new FakeAwsKms("eu-west-1");
    fake.allowCredentials(AwsKmsTest.ACCESS_KEY, AwsKmsTest.SECRET);
    orders = fake.createKey("check-orders");
    hmac = fake.createHmacKey("check-hmac");
  }

  @AfterAll
  static void stop() {
    fake.close();
  }

  @BeforeEach
  void reset() {
    fake.resetCounters();
    fake.denyOperation(null);
  }

  private static Map<String, Object> config(String endpoint, String kekId) {
    Map<String, Object> c = new HashMap<>();
    c.put("envelope.kms.type", "aws-kms");
    c.put("envelope.kms.aws.region", "eu-west-1");
    c.put("envelope.kms.aws.endpoint", endpoint);
    c.put("envelope.kms.aws.access.key.id", AwsKmsTest.ACCESS_KEY);
    c.put("envelope.kms.aws.secret.access.key", AwsKmsTest.SECRET);
    c.put("envelope.kms.aws.max.attempts", "1");
    c.put("envelope.kek.id", kekId);
    return c;
  }

  private static KmsException check(String kekId, KekUse use) {
    try (KeyManagementService kms = KmsProviders.forType("aws-kms")
        .create(config(fake.endpoint(), kekId))) {
      return assertThrows(KmsException.class, () -> kms.checkKek(kekId, use));
    }
  }

  @Test
  void anEnabledKeyOfTheRightUsagePassesWithOneDescribeKey() {
    try (KeyManagementService kms = KmsProviders.forType("aws-kms")
        .create(config(fake.endpoint(), "alias/check-orders"))) {
      assertTrue(kms.checkKek("alias/check-orders", KekUse.ENCRYPT));
      assertTrue(kms.checkKek(orders, KekUse.DECRYPT));
      assertTrue(kms.checkKek(hmac, KekUse.DERIVE));
    }
    assertEquals(3, fake.calls("DescribeKey"));
    assertEquals(0, fake.calls("GenerateDataKey") + fake.calls("Decrypt")
        + fake.calls("GenerateMac"));
  }

  @Test
  void missingDisabledPendingDeletionAndWrongUsage() {
    KmsException missing = check("alias/no-such-key", KekUse.DECRYPT);
    assertEquals(Reason.KEY_NOT_FOUND, missing.reason());
    assertTrue(missing.getMessage().contains("alias/no-such-key"), missing.getMessage());

    String disabled = fake.createKey("check-disabled");
    fake.disable(disabled);
    KmsException d = check(disabled, KekUse.ENCRYPT);
    assertEquals(Reason.KEY_DISABLED, d.reason());
    assertTrue(d.getMessage().contains("Disabled"), d.getMessage());

    String deleting = fake.createKey("check-deleting");
    fake.scheduleDeletion(deleting);
    KmsException p = check(deleting, KekUse.DECRYPT);
    assertEquals(Reason.KEY_DISABLED, p.reason());
    assertTrue(p.getMessage().contains("PendingDeletion"), p.getMessage());

    KmsException macForRecords = check(hmac, KekUse.ENCRYPT);
    assertEquals(Reason.MISCONFIGURED, macForRecords.reason());
    assertTrue(macForRecords.getMessage().contains("GENERATE_VERIFY_MAC"),
        macForRecords.getMessage());
    KmsException aesForMac = check(orders, KekUse.DERIVE);
    assertEquals(Reason.MISCONFIGURED, aesForMac.reason());
    assertTrue(aesForMac.getMessage().contains("HMAC_256"), aesForMac.getMessage());
    assertEquals(5, fake.calls("DescribeKey"));
  }

  @Test
  void describeKeyDeniedIsAccessDeniedNamingThePermission() {
    fake.denyOperation("DescribeKey");
    KmsException e = check(orders, KekUse.DECRYPT);
    assertEquals(Reason.ACCESS_DENIED, e.reason());
    assertTrue(e.getMessage().contains("DescribeKey"), e.getMessage());
  }

  @Test
  void theSerdesFailInConfigureNamingKekAndSetting() throws Exception {
    ConfigException c = assertThrows(ConfigException.class,
        () -> new DecryptingDeserializer<>(new StringDeserializer())
            .configure(config(fake.endpoint(), "alias/no-such-key"), false));
    assertTrue(c.getMessage().contains("envelope.kek.id") && c.getMessage().contains(
        "alias/no-such-key") && c.getMessage().contains("KEY_NOT_FOUND"), c.getMessage());
    assertEquals(1, fake.calls("DescribeKey"));

    // the producer's check is its first GenerateDataKey, kept for the first records
    EncryptingSerializer<String> s = new EncryptingSerializer<>(new StringSerializer());
    s.configure(config(fake.endpoint(), "alias/check-orders"), false);
    s.serialize("orders", new org.apache.kafka.common.header.internals.RecordHeaders(), "x");
    s.close();
    assertEquals(1, fake.calls("GenerateDataKey"));
    assertEquals(1, fake.calls("DescribeKey"), "the producer made no DescribeKey");

    int port;
    try (ServerSocket closed = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = closed.getLocalPort();
    }
    Map<String, Object> unreachable = config("http://127.0.0.1:" + port, "alias/check-orders");
    ConfigException u = assertThrows(ConfigException.class,
        () -> new DecryptingDeserializer<>(new StringDeserializer()).configure(unreachable,
            false));
    assertTrue(u.getMessage().contains("UNAVAILABLE") && u.getMessage().contains(
        "alias/check-orders"), u.getMessage());
  }
}
