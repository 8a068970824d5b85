package io.kafkaenvelope.kms.aws;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkaenvelope.internal.kms.KmsProviders;
import io.kafkaenvelope.kms.EncryptionContext;
import io.kafkaenvelope.kms.KeyManagementService;
import io.kafkaenvelope.kms.KmsException;
import io.kafkaenvelope.kms.KmsException.Reason;
import io.kafkaenvelope.serde.DecryptingDeserializer;
import io.kafkaenvelope.serde.EncryptingSerializer;
import io.kafkaenvelope.serde.EnvelopeException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Deterministic mode on AWS KMS: the key material is {@code GenerateMac} (HMAC_SHA_256) under an
 * HMAC KMS key, through the real SDK client (JSON protocol, SigV4) against {@link FakeAwsKms}.
 */
class AwsDeterministicTest {

  private static final String KEY = "8c7e1a52-3b9d-4f6e-a1c2-0d4b5e6f7a81";

  static FakeAwsKms fake;
  static String hmacArn;

  @BeforeAll
  static void start() throws Exception {
    fake = new FakeAwsKms("eu-west-1");
    fake.allowCredentials(AwsKmsTest.ACCESS_KEY, AwsKmsTest.SECRET);
    hmacArn = fake.createHmacKey("kafka-keys");
    fake.createKey("orders");
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

  private static Map<String, Object> config(String kek) {
    Map<String, Object> c = new HashMap<>();
    c.put("envelope.kms.type", "aws-kms");
    c.put("envelope.kms.aws.region", "eu-west-1");
    c.put("envelope.kms.aws.endpoint", fake.endpoint());
    c.put("envelope.kms.aws.access.key.id", AwsKmsTest.ACCESS_KEY);
    c.put("envelope.kms.aws.secret.access.key", AwsKmsTest.SECRET);
    c.put("envelope.kms.aws.max.attempts", "1");
    c.put("envelope.kek.id", kek);
    c.put("envelope.mode", "deterministic");
    return c;
  }

  @Test
  void generateMacIsTheSameForAnAliasItsArnAndFreshClients() {
    EncryptionContext ctx = EncryptionContext.of(Map.of("kafka-envelope:purpose",
        "deterministic", "kafka-envelope:scope", "topic:orders"));
    byte[] first;
    try (KeyManagementService kms = KmsProviders.forType("aws-kms").create(config(hmacArn))) {
      first = kms.deriveKeyMaterial("alias/kafka-keys", ctx);
      assertEquals(32, first.length);
      assertArrayEquals(first, kms.deriveKeyMaterial(hmacArn, ctx));
      assertFalse(Arrays.equals(first, kms.deriveKeyMaterial(hmacArn, EncryptionContext.of(
          Map.of("kafka-envelope:purpose", "deterministic", "kafka-envelope:scope",
              "topic:payments")))));
    }
    try (KeyManagementService kms = KmsProviders.forType("aws-kms").create(config(hmacArn))) {
      assertArrayEquals(first, kms.deriveKeyMaterial("alias/kafka-keys", ctx));
    }
    assertEquals(4, fake.calls("GenerateMac"));
    assertEquals(0, fake.badSignatures(), "every request carried a valid SigV4 signature");
  }

  @Test
  void keysAreEqualAcrossProducersAndAConsumerNeedsOnlyGenerateMac() {
    byte[] a;
    try (EncryptingSerializer<String> s1 = serializer(config("alias/kafka-keys"));
        EncryptingSerializer<String> s2 = serializer(config("alias/kafka-keys"))) {
      a = s1.serialize("orders", new RecordHeaders(), KEY);
      assertArrayEquals(a, s2.serialize("orders", new RecordHeaders(), KEY));
    }
    assertEquals(1, fake.calls("GenerateMac"), "one derivation per (KEK, scope, epoch)");
    fake.denyOperation("Decrypt"); // the consumer never decrypts a wrapped key in this mode
    try (DecryptingDeserializer<String> d = new DecryptingDeserializer<>(
        new StringDeserializer())) {
      d.configure(config("alias/kafka-keys"), true);
      assertEquals(KEY, d.deserialize("orders", a));
    }
    assertEquals(2, fake.calls("GenerateMac"));
    assertEquals(0, fake.calls("Decrypt"));
  }

  @Test
  void aConsumerWithoutGenerateMacPermissionIsRefusedAsAccessDenied() {
    byte[] a;
    try (EncryptingSerializer<String> s = serializer(config("alias/kafka-keys"))) {
      a = s.serialize("orders", KEY);
    }
    fake.denyOperation("GenerateMac");
    try (DecryptingDeserializer<String> d = new DecryptingDeserializer<>(
        new StringDeserializer())) {
      Map<String, Object> c = config("alias/kafka-keys");
      c.put("envelope.kms.aws.retry.backoff.ms", "1"); // another cache than the producer's
      d.configure(c, true);
      EnvelopeException e = assertThrows(EnvelopeException.class,
          () -> d.deserialize("orders", a));
      assertEquals(EnvelopeException.Reason.ACCESS_DENIED, e.reason());
      assertTrue(e.getMessage().contains("GenerateMac"), e.getMessage());
    }
  }

  @Test
  void aSymmetricEncryptionKeyIsNotAMacKey() {
    try (KeyManagementService kms = KmsProviders.forType("aws-kms").create(
        config("alias/orders"))) {
      KmsException e = assertThrows(KmsException.class, () -> kms.deriveKeyMaterial(
          "alias/orders", EncryptionContext.forDek("alias/orders")));
      assertEquals(Reason.MISCONFIGURED, e.reason());
      assertTrue(e.getMessage().contains("InvalidKeyUsageException"), e.getMessage());
    }
  }

  private static EncryptingSerializer<String> serializer(Map<String, Object> c) {
    EncryptingSerializer<String> s = new EncryptingSerializer<>(new StringSerializer());
    s.configure(c, true);
    return s;
  }
}
