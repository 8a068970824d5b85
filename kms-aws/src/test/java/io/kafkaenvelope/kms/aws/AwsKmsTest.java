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
import io.kafkaenvelope.internal.kms.KmsProviders;
import io.kafkaenvelope.serde.DecryptingDeserializer;
import io.kafkaenvelope.serde.EncryptingSerializer;
import io.kafkaenvelope.serde.EnvelopeException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real AWS SDK v2 client path (marshalling, SigV4, retries, errors) against {@link FakeAwsKms},
 * which verifies every request's signature with the credentials below.
 */
@Order(1)
class AwsKmsTest {

  static final String ACCESS_KEY = "AKIAFAKEFAKEFAKE0001";
  static final String SECRET = "fake-secret-that-must-never-be-printed-0001";
  static final String SESSION_KEY = "ASIAFAKEFAKEFAKE0002";
  static final String SESSION_SECRET = "fake-session-secret-never-printed-0002";
  static final String SESSION_TOKEN = "fake-session-token-never-printed-0002";
  static final String EXTERNAL_ID = "fake-external-id-never-printed-0003";

  static FakeAwsKms fake;
  static String keyArn;

  @BeforeAll
  static void start() throws Exception {
    fake = new FakeAwsKms("eu-west-1");
    fake.allowCredentials(ACCESS_KEY, SECRET);
    fake.allowSessionCredentials(SESSION_KEY, SESSION_SECRET, SESSION_TOKEN);
    keyArn = fake.createKey("orders");
    fake.createKey("payments");
  }

  @AfterAll
  static void stop() {
    fake.close();
  }

  @BeforeEach
  void reset() {
    fake.clearFailures();
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
    c.put("envelope.kms.aws.retry.backoff.ms", "5");
    c.put("envelope.kms.aws.retry.throttling.backoff.ms", "20");
    return c;
  }

  static KeyManagementService client(Map<String, Object> c) {
    return KmsProviders.forType("aws-kms").create(c);
  }

  private static EncryptionContext ctx(String kek) {
    return EncryptionContext.forDek(kek);
  }

  @Test
  void generateAndUnwrapByAliasArnIdAndAliasArnWithSignedRequests() {
    int badBefore = fake.badSignatures();
    String id = keyArn.substring(keyArn.lastIndexOf('/') + 1);
    String aliasArn = "arn:aws:kms:eu-west-1:" + FakeAwsKms.ACCOUNT + ":alias/orders";
    try (KeyManagementService kms = client(config())) {
      for (String kek : new String[] {"alias/orders", keyArn, id, aliasArn}) {
        DataKey k = kms.generateDataKey(kek, ctx(kek));
        assertEquals(keyArn, k.kekVersion(), "the resolved key ARN is reported for " + kek);
        assertEquals(32, k.plaintext().length);
        assertArrayEquals(k.plaintext(), kms.unwrap(kek, k.wrapped(), ctx(kek)));
      }
      assertTrue(kms.describe().contains("region=eu-west-1") && kms.describe().contains("static"),
          kms.describe());
    }
    assertEquals(badBefore, fake.badSignatures(), "every request carried a valid SigV4 signature");
    assertEquals(4, fake.calls("GenerateDataKey"));
    assertEquals(4, fake.calls("Decrypt"));
  }

  @Test
  void wrongSecretOrUnknownKeyIdIsRefusedAsAccessDeniedAndNotRetried() {
    Map<String, Object> c = config();
    c.put("envelope.kms.aws.secret.access.key", "not-the-secret");
    try (KeyManagementService kms = client(c)) {
      KmsException e = assertThrows(KmsException.class,
          () -> kms.generateDataKey("alias/orders", ctx("alias/orders")));
      assertEquals(Reason.ACCESS_DENIED, e.reason());
      assertTrue(e.getMessage().contains("InvalidSignatureException"), e.getMessage());
      assertFalse(stackTrace(e).contains("not-the-secret"));
    }
    assertEquals(1, fake.calls("GenerateDataKey"), "a refused signature is not retried");
    Map<String, Object> unknown = config();
    unknown.put("envelope.kms.aws.access.key.id", "AKIAUNKNOWNUNKNOWN00");
    try (KeyManagementService kms = client(unknown)) {
      KmsException e = assertThrows(KmsException.class,
          () -> kms.unwrap("alias/orders", new byte[80], ctx("alias/orders")));
      assertEquals(Reason.ACCESS_DENIED, e.reason());
      assertTrue(e.getMessage().contains("UnrecognizedClientException"), e.getMessage());
    }
    assertEquals(1, fake.calls("Decrypt"));
  }

  @Test
  void encryptionContextKeyPinningAndIntegrityAreEnforced() {
    try (KeyManagementService kms = client(config())) {
      DataKey k = kms.generateDataKey("alias/orders", ctx("alias/orders"));
      KmsException wrongContext = assertThrows(KmsException.class, () -> kms.unwrap("alias/orders",
          k.wrapped(), EncryptionContext.of(Map.of("kafka-envelope:kek", "other"))));
      assertEquals(Reason.INVALID_CIPHERTEXT, wrongContext.reason());
      assertTrue(wrongContext.getMessage().contains("InvalidCiphertextException"));
      KmsException noContext = assertThrows(KmsException.class, () -> kms.unwrap("alias/orders",
          k.wrapped(), EncryptionContext.of(Map.of())));
      assertEquals(Reason.INVALID_CIPHERTEXT, noContext.reason());
      KmsException pinned = assertThrows(KmsException.class, () -> kms.unwrap("alias/payments",
          k.wrapped(), ctx("alias/orders")));
      assertEquals(Reason.INVALID_CIPHERTEXT, pinned.reason());
      assertTrue(pinned.getMessage().contains("IncorrectKeyException")
          && pinned.getMessage().contains("alias/payments"), pinned.getMessage());
      byte[] tampered = k.wrapped();
      tampered[tampered.length - 1] ^= 1;
      assertEquals(Reason.INVALID_CIPHERTEXT, assertThrows(KmsException.class,
          () -> kms.unwrap("alias/orders", tampered, ctx("alias/orders"))).reason());
      assertEquals(Reason.INVALID_CIPHERTEXT, assertThrows(KmsException.class,
          () -> kms.unwrap("alias/orders", new byte[10], ctx("alias/orders"))).reason());
    }
    assertEquals(5, fake.calls("Decrypt"), "none of these was retried");
  }

  @Test
  void multiRegionReplicaUnwrapsInTheConsumersRegionThroughAnAlternate() throws Exception {
    try (FakeAwsKms useast = new FakeAwsKms("us-east-1")) {
      useast.allowCredentials(ACCESS_KEY, SECRET);
      String primary = fake.createMultiRegionKey(null);
      String replica = fake.replicateTo(useast, primary);
      assertTrue(replica.startsWith("arn:aws:kms:us-east-1:") && replica.contains(":key/mrk-"));
      DataKey k;
      try (KeyManagementService producer = client(config())) {
        k = producer.generateDataKey(primary, ctx(primary));
      }
      Map<String, Object> consumer = config();
      consumer.put("envelope.kms.aws.region", "us-east-1");
      consumer.put("envelope.kms.aws.endpoint", useast.endpoint());
      try (KeyManagementService kms = client(consumer)) {
        KmsException e = assertThrows(KmsException.class,
            () -> kms.unwrap(primary, k.wrapped(), ctx(primary)));
        assertEquals(Reason.KEY_NOT_FOUND, e.reason(), "the eu-west-1 key is not in us-east-1");
      }
      Map<String, Object> wrongScope = config();
      wrongScope.put("envelope.kms.aws.endpoint", useast.endpoint()); // signed for eu-west-1
      try (KeyManagementService kms = client(wrongScope)) {
        KmsException e = assertThrows(KmsException.class,
            () -> kms.unwrap(replica, k.wrapped(), ctx(primary)));
        assertEquals(Reason.ACCESS_DENIED, e.reason());
        assertTrue(e.getMessage().contains("credential scope eu-west-1/kms"), e.getMessage());
      }
      consumer.put("envelope.kms.aws.decrypt.alternate.kek.ids", primary + "=" + replica);
      useast.resetCounters();
      try (KeyManagementService kms = client(consumer)) {
        assertArrayEquals(k.plaintext(), kms.unwrap(primary, k.wrapped(), ctx(primary)));
      }
      assertEquals(1, useast.calls("Decrypt"), "the other region's ARN is skipped, not tried");
    }
  }

  @Test
  void movedAliasUnwrapsOldDeksOnlyThroughTheListedAlternate() {
    String oldKey = fake.createKey("moving");
    String newKey = fake.createKey(null);
    String stranger = fake.createKey(null);
    EncryptionContext c = ctx("alias/moving");
    try (KeyManagementService kms = client(config())) {
      DataKey old = kms.generateDataKey("alias/moving", c);
      DataKey foreign = kms.generateDataKey(stranger, c); // same context, unlisted key
      fake.moveAlias("moving", newKey);
      DataKey current = kms.generateDataKey("alias/moving", c);
      assertEquals(newKey, current.kekVersion());
      KmsException e = assertThrows(KmsException.class,
          () -> kms.unwrap("alias/moving", old.wrapped(), c));
      assertEquals(Reason.INVALID_CIPHERTEXT, e.reason(), "pinned to the alias's new key");

      Map<String, Object> withAlternate = config();
      withAlternate.put("envelope.kms.aws.decrypt.alternate.kek.ids",
          "alias/moving=" + oldKey + ", alias/other=" + stranger);
      try (KeyManagementService alt = client(withAlternate)) {
        fake.resetCounters();
        assertArrayEquals(current.plaintext(), alt.unwrap("alias/moving", current.wrapped(), c));
        assertEquals(1, fake.calls("Decrypt"), "the envelope's own KEK comes first");
        assertArrayEquals(old.plaintext(), alt.unwrap("alias/moving", old.wrapped(), c));
        assertEquals(3, fake.calls("Decrypt"), "the alternate after IncorrectKeyException");
        KmsException refused = assertThrows(KmsException.class,
            () -> alt.unwrap("alias/moving", foreign.wrapped(), c));
        assertEquals(Reason.INVALID_CIPHERTEXT, refused.reason(), "an unlisted key never unwraps");
        assertTrue(refused.getMessage().contains("alternate KEK '" + oldKey + "'"),
            refused.getMessage());
        fake.resetCounters();
        assertEquals(Reason.INVALID_CIPHERTEXT, assertThrows(KmsException.class,
            () -> alt.unwrap("alias/moving", old.wrapped(), ctx("alias/elsewhere"))).reason());
        assertEquals(2, fake.calls("Decrypt"),
            "a wrong context under the alternate is refused like any other");
      }
    }
    for (String bad : new String[] {"no-equals-sign", "alias/a=", "=alias/b", "alias/a=alias/a"}) {
      Map<String, Object> c2 = config();
      c2.put("envelope.kms.aws.decrypt.alternate.kek.ids", bad);
      assertThrows(ConfigException.class, () -> client(c2), bad);
    }
  }

  @Test
  void keyErrorsAreMappedNamedAndNotRetried() {
    try (KeyManagementService kms = client(config())) {
      KmsException notFound = assertThrows(KmsException.class,
          () -> kms.generateDataKey("alias/nope", ctx("alias/nope")));
      assertEquals(Reason.KEY_NOT_FOUND, notFound.reason());
      assertTrue(notFound.getMessage().contains("'alias/nope'")
          && notFound.getMessage().contains("NotFoundException"), notFound.getMessage());
      assertEquals(1, fake.calls("GenerateDataKey"), "not found is not retried");

      fake.denyOperation("Decrypt");
      DataKey k = kms.generateDataKey("alias/orders", ctx("alias/orders"));
      KmsException denied = assertThrows(KmsException.class,
          () -> kms.unwrap("alias/orders", k.wrapped(), ctx("alias/orders")));
      assertEquals(Reason.ACCESS_DENIED, denied.reason());
      assertTrue(denied.getMessage().contains("'alias/orders'")
          && denied.getMessage().contains("AccessDeniedException")
          && denied.getMessage().contains("kms:Decrypt"), denied.getMessage());
      assertEquals(1, fake.calls("Decrypt"), "access denied is not retried");
      fake.denyOperation(null);

      String disabled = fake.createKey(null);
      fake.disable(disabled);
      KmsException off = assertThrows(KmsException.class,
          () -> kms.generateDataKey(disabled, ctx(disabled)));
      assertEquals(Reason.KEY_DISABLED, off.reason());
      assertTrue(off.getMessage().contains(disabled) && off.getMessage().contains("is disabled"));
      String deleting = fake.createKey(null);
      DataKey beforeDeletion = kms.generateDataKey(deleting, ctx(deleting));
      fake.scheduleDeletion(deleting);
      assertEquals(Reason.KEY_DISABLED, assertThrows(KmsException.class,
          () -> kms.unwrap(deleting, beforeDeletion.wrapped(), ctx(deleting))).reason());
      assertEquals(4, fake.calls("GenerateDataKey"));
      assertEquals(2, fake.calls("Decrypt"));
    }
  }

  /**
   * KEY_NOT_FOUND lets a producer with envelope.kek.unresolved.policy=plaintext send plaintext, and
   * moves unwrap on to an alternate KEK: only KMS's own NotFoundException (HTTP 400) may mean it.
   */
  @Test
  void onlyKmsOwnNotFoundExceptionIsKeyNotFound() {
    String json = "application/x-amz-json-1.1";
    String[][] answers = {
        {"404", "text/html", "<html><body><h1>404 Not Found</h1></body></html>"},
        {"404", json, "{\"__type\":\"NotFoundException\",\"message\":\"proxy says no\"}"},
        {"404", json, ""},
        {"410", json, "{\"__type\":\"NotFoundException\"}"},
        {"400", json, "{\"__type\":\"SomethingNewException\",\"message\":\"new\"}"},
        {"400", json, "{\"__type\":\"KeyNotFoundException\"}"},
        {"400", json, "{}"},
        {"400", "text/plain", "Key not found"}};
    try (KeyManagementService kms = client(config())) {
      DataKey k = kms.generateDataKey("alias/orders", ctx("alias/orders"));
      for (String[] a : answers) {
        String what = String.join(" ", a);
        fake.resetCounters();
        fake.answerNextRaw(Integer.parseInt(a[0]), a[1], a[2]);
        KmsException g = assertThrows(KmsException.class,
            () -> kms.generateDataKey("alias/orders", ctx("alias/orders")));
        assertEquals(Reason.MISCONFIGURED, g.reason(), what + ": " + g.getMessage());
        fake.answerNextRaw(Integer.parseInt(a[0]), a[1], a[2]);
        KmsException d = assertThrows(KmsException.class,
            () -> kms.unwrap("alias/orders", k.wrapped(), ctx("alias/orders")));
        assertEquals(Reason.MISCONFIGURED, d.reason(), what + ": " + d.getMessage());
        assertEquals(1, fake.calls("GenerateDataKey"), "not retried: " + what);
        assertEquals(1, fake.calls("Decrypt"), "not retried: " + what);
      }
      KmsException real = assertThrows(KmsException.class,
          () -> kms.generateDataKey("alias/nope", ctx("alias/nope")));
      assertEquals(Reason.KEY_NOT_FOUND, real.reason(), "KMS's own answer still is");
    }
    // an alternate is tried after KMS's NotFoundException, never after a 404 of something else
    Map<String, Object> alt = config();
    alt.put("envelope.kms.aws.decrypt.alternate.kek.ids", "alias/retired=" + keyArn);
    try (KeyManagementService kms = client(alt)) {
      DataKey k = kms.generateDataKey(keyArn, ctx("alias/retired"));
      fake.resetCounters();
      assertArrayEquals(k.plaintext(), kms.unwrap("alias/retired", k.wrapped(),
          ctx("alias/retired")));
      assertEquals(2, fake.calls("Decrypt"),
          "alias/retired: NotFoundException, then the alternate");
      fake.resetCounters();
      fake.answerNextRaw(404, json, "{\"__type\":\"NotFoundException\"}");
      assertEquals(Reason.MISCONFIGURED, assertThrows(KmsException.class,
          () -> kms.unwrap("alias/retired", k.wrapped(), ctx("alias/retired"))).reason());
      assertEquals(1, fake.calls("Decrypt"), "a 404 does not move on to the alternate");
    }
  }

  /** The producer side of the same rule: a proxy's 404 never turns a topic into plaintext. */
  @Test
  void unresolvedPlaintextPolicyNeverFollowsA404() {
    Map<String, Object> c = config();
    c.put("envelope.kek.id.template", "alias/${topic}");
    c.put("envelope.kek.unresolved.policy", "plaintext");
    c.put("envelope.inner.serializer", StringSerializer.class.getName());
    c.put("envelope.kms.aws.connect.timeout.ms", "1998"); // a DEK cache scope of its own
    try (EncryptingSerializer<String> s = new EncryptingSerializer<>()) {
      s.configure(c, false);
      RecordHeaders h = new RecordHeaders();
      assertEquals("public", new String(s.serialize("no-such-kek", h, "public"),
          StandardCharsets.UTF_8), "KMS's NotFoundException: plaintext, as opted in");
      fake.answerNextRaw(404, "text/html", "<html>404 Not Found</html>");
      RecordHeaders h2 = new RecordHeaders();
      EnvelopeException e = assertThrows(EnvelopeException.class,
          () -> s.serialize("orders", h2, "SECRET-VALUE"));
      assertEquals(EnvelopeException.Reason.MISCONFIGURED, e.reason(), e.getMessage());
      assertFalse(e.getMessage().contains("SECRET-VALUE"));
    }
  }

  /**
   * The consumer KEK policy asks aws-kms whether the envelope's KEK is the expected one: a producer
   * naming the alias by its ARN is accepted by a consumer expecting the alias name only when the
   * consumer knows its own account, and refused before any Decrypt otherwise.
   */
  @Test
  void consumerPolicyAcceptsAnotherFormOfTheExpectedKekOnlyWhenCertain() {
    String aliasArn = "arn:aws:kms:eu-west-1:" + FakeAwsKms.ACCOUNT + ":alias/orders";
    Map<String, Object> producer = config();
    producer.put("envelope.kek.id", aliasArn);
    producer.put("envelope.inner.serializer", StringSerializer.class.getName());
    producer.put("envelope.kms.aws.connect.timeout.ms", "1994");
    RecordHeaders headers = new RecordHeaders();
    byte[] wire;
    try (EncryptingSerializer<String> s = new EncryptingSerializer<>()) {
      s.configure(producer, false);
      wire = s.serialize("orders", headers, "order-1");
    }
    Map<String, Object> consumer = config();
    consumer.put("envelope.kek.id", "alias/orders");
    consumer.put("envelope.inner.deserializer", StringDeserializer.class.getName());
    consumer.put("envelope.kms.aws.connect.timeout.ms", "1993");
    fake.resetCounters();
    try (DecryptingDeserializer<String> d = new DecryptingDeserializer<>()) {
      d.configure(consumer, false);
      EnvelopeException e = assertThrows(EnvelopeException.class,
          () -> d.deserialize("orders", headers, wire));
      assertEquals(EnvelopeException.Reason.KEK_NOT_ALLOWED, e.reason(), e.getMessage());
      assertTrue(e.getMessage().contains(aliasArn), e.getMessage());
    }
    assertEquals(0, fake.calls("Decrypt"), "refused before any KMS call");
    consumer.put("envelope.kms.aws.account.id", FakeAwsKms.ACCOUNT);
    consumer.put("envelope.kms.aws.connect.timeout.ms", "1992");
    try (DecryptingDeserializer<String> d = new DecryptingDeserializer<>()) {
      d.configure(consumer, false);
      assertEquals("order-1", d.deserialize("orders", headers, wire));
    }
    assertEquals(1, fake.calls("Decrypt"));
    consumer.put("envelope.kms.aws.account.id", "999988887777");
    consumer.put("envelope.kms.aws.connect.timeout.ms", "1991");
    try (DecryptingDeserializer<String> d = new DecryptingDeserializer<>()) {
      d.configure(consumer, false);
      assertEquals(EnvelopeException.Reason.KEK_NOT_ALLOWED, assertThrows(EnvelopeException.class,
          () -> d.deserialize("orders", headers, wire)).reason(), "another account's alias");
    }
    assertEquals(1, fake.calls("Decrypt"));
  }

  @Test
  void throttlingAndServerErrorsAreRetriedWithinMaxAttempts() {
    try (KeyManagementService kms = client(config())) {
      fake.failNext(2, "ThrottlingException");
      kms.generateDataKey("alias/orders", ctx("alias/orders"));
      assertEquals(3, fake.calls("GenerateDataKey"), "two throttles, then success");
      fake.resetCounters();
      fake.failNext(1, "KMSInternalException");
      DataKey k = kms.generateDataKey("alias/orders", ctx("alias/orders"));
      assertEquals(2, fake.calls("GenerateDataKey"));
      fake.failNext(1, "ThrottlingException");
      assertArrayEquals(k.plaintext(),
          kms.unwrap("alias/orders", k.wrapped(), ctx("alias/orders")));
      assertEquals(2, fake.calls("Decrypt"));

      fake.resetCounters();
      fake.failNext(3, "ThrottlingException");
      KmsException throttled = assertThrows(KmsException.class,
          () -> kms.generateDataKey("alias/orders", ctx("alias/orders")));
      assertEquals(Reason.THROTTLED, throttled.reason());
      assertTrue(throttled.reason().retryable());
      assertEquals(3, fake.calls("GenerateDataKey"), "max.attempts bounds the retries");

      fake.resetCounters();
      fake.failNext(3, "KMSInternalException");
      KmsException down = assertThrows(KmsException.class,
          () -> kms.unwrap("alias/orders", k.wrapped(), ctx("alias/orders")));
      assertEquals(Reason.UNAVAILABLE, down.reason());
      assertEquals(3, fake.calls("Decrypt"));
    }
  }

  /**
   * A KMS that answers nothing for a minute: only the client's API call timeout can end the call,
   * so reaching UNAVAILABLE at all shows it bounds the call ({@code @Timeout} fails the test if
   * the call blocks instead). A server of its own, whose held requests close() interrupts.
   */
  @Test
  @org.junit.jupiter.api.Timeout(30)
  void slowKmsTimesOutAsUnavailable() throws Exception {
    try (FakeAwsKms slow = new FakeAwsKms("eu-west-1")) {
      slow.allowCredentials(ACCESS_KEY, SECRET);
      slow.latency(60_000);
      Map<String, Object> c = config();
      c.put("envelope.kms.aws.endpoint", slow.endpoint());
      c.put("envelope.kms.aws.api.call.timeout.ms", "600");
      c.put("envelope.kms.aws.socket.timeout.ms", "250");
      try (KeyManagementService kms = client(c)) {
        KmsException e = assertThrows(KmsException.class,
            () -> kms.generateDataKey("alias/orders", ctx("alias/orders")));
        assertEquals(Reason.UNAVAILABLE, e.reason());
      }
    }
  }


  @Test
  void unreachableEndpointIsUnavailable() throws Exception {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = s.getLocalPort();
    }
    Map<String, Object> c = config();
    c.put("envelope.kms.aws.endpoint", "http://127.0.0.1:" + closedPort);
    c.put("envelope.kms.aws.max.attempts", "2");
    try (KeyManagementService kms = client(c)) {
      KmsException e = assertThrows(KmsException.class,
          () -> kms.generateDataKey("alias/orders", ctx("alias/orders")));
      assertEquals(Reason.UNAVAILABLE, e.reason());
      assertTrue(e.getMessage().contains("could not reach AWS KMS"), e.getMessage());
    }
  }

  @Test
  void sessionTokenIsSentWithStaticTemporaryCredentials() {
    Map<String, Object> c = config();
    c.put("envelope.kms.aws.access.key.id", SESSION_KEY);
    c.put("envelope.kms.aws.secret.access.key", SESSION_SECRET);
    c.put("envelope.kms.aws.session.token", SESSION_TOKEN);
    int before = fake.requestsWithSessionToken.get();
    try (KeyManagementService kms = client(c)) {
      kms.generateDataKey("alias/orders", ctx("alias/orders"));
    }
    assertEquals(1, fake.requestsWithSessionToken.get() - before);
    c.put("envelope.kms.aws.session.token", "stale-token");
    try (KeyManagementService kms = client(c)) {
      assertEquals(Reason.ACCESS_DENIED, assertThrows(KmsException.class,
          () -> kms.generateDataKey("alias/orders", ctx("alias/orders"))).reason());
    }
  }

  @Test
  void namedProfileFromTheSharedCredentialsFile(@TempDir Path dir) throws Exception {
    Path credentials = dir.resolve("credentials");
    Files.writeString(credentials, "[kafka-orders]\naws_access_key_id = " + ACCESS_KEY
        + "\naws_secret_access_key = " + SECRET + "\n");
    Path config = dir.resolve("config");
    Files.writeString(config, "");
    String oldCredentials = System.setProperty("aws.sharedCredentialsFile", credentials.toString());
    String oldConfig = System.setProperty("aws.configFile", config.toString());
    try {
      Map<String, Object> c = config();
      c.remove("envelope.kms.aws.access.key.id");
      c.remove("envelope.kms.aws.secret.access.key");
      c.put("envelope.kms.aws.profile", "kafka-orders");
      int bad = fake.badSignatures();
      try (KeyManagementService kms = client(c)) {
        assertTrue(kms.describe().contains("profile kafka-orders"), kms.describe());
        DataKey k = kms.generateDataKey("alias/orders", ctx("alias/orders"));
        assertArrayEquals(k.plaintext(),
            kms.unwrap("alias/orders", k.wrapped(), ctx("alias/orders")));
      }
      assertEquals(bad, fake.badSignatures(), "signed with the profile's keys");

      c.put("envelope.kms.aws.profile", "no-such-profile");
      fake.resetCounters();
      try (KeyManagementService kms = client(c)) {
        KmsException e = assertThrows(KmsException.class,
            () -> kms.generateDataKey("alias/orders", ctx("alias/orders")));
        assertEquals(Reason.MISCONFIGURED, e.reason(), e.getMessage());
        assertTrue(e.getMessage().contains("credentials could not be resolved"), e.getMessage());
      }
      assertEquals(0, fake.calls("GenerateDataKey"), "nothing is sent without credentials");
    } finally {
      restore("aws.sharedCredentialsFile", oldCredentials);
      restore("aws.configFile", oldConfig);
    }
  }

  @Test
  void assumeRoleThroughStsThenSignsWithTheTemporaryCredentials() {
    Map<String, Object> c = config();
    c.put("envelope.kms.aws.assume.role.arn",
        "arn:aws:iam::" + FakeAwsKms.ACCOUNT + ":role/kafka-producer");
    c.put("envelope.kms.aws.assume.role.external.id", EXTERNAL_ID);
    c.put("envelope.kms.aws.assume.role.session.name", "orders-service");
    c.put("envelope.kms.aws.sts.endpoint", fake.endpoint());
    int before = fake.requestsWithSessionToken.get();
    try (KeyManagementService kms = client(c)) {
      DataKey k = kms.generateDataKey("alias/orders", ctx("alias/orders"));
      assertArrayEquals(k.plaintext(),
          kms.unwrap("alias/orders", k.wrapped(), ctx("alias/orders")));
      assertTrue(kms.describe().contains("role/kafka-producer"));
      assertFalse(kms.describe().contains(EXTERNAL_ID));
    }
    assertEquals(1, fake.calls("AssumeRole"), "the role's credentials are cached");
    assertEquals(EXTERNAL_ID, fake.lastAssumeRole.get("ExternalId"));
    assertEquals("orders-service", fake.lastAssumeRole.get("RoleSessionName"));
    assertEquals(2, fake.requestsWithSessionToken.get() - before,
        "both KMS calls were signed with the role's temporary credentials");

    fake.resetCounters();
    fake.denyOperation("AssumeRole");
    try (KeyManagementService kms = client(c)) {
      KmsException e = assertThrows(KmsException.class,
          () -> kms.generateDataKey("alias/orders", ctx("alias/orders")));
      assertEquals(Reason.ACCESS_DENIED, e.reason());
      assertTrue(e.getMessage().contains("AccessDenied")
          && e.getMessage().contains("sts:AssumeRole"),
          e.getMessage());
      assertFalse(stackTrace(e).contains(EXTERNAL_ID) || stackTrace(e).contains(SECRET));
    }
    assertEquals(0, fake.calls("GenerateDataKey"), "no KMS call without role credentials");
    assertEquals(1, fake.calls("AssumeRole"), "a refused AssumeRole is not retried");
  }

  @Test
  void credentialsNeverAppearInDescriptionsErrorsOrConfigErrors() {
    try (KeyManagementService kms = client(config())) {
      assertFalse(kms.describe().contains(SECRET) || kms.describe().contains(ACCESS_KEY));
      assertFalse(kms.toString().contains(SECRET) || kms.toString().contains(ACCESS_KEY));
      fake.denyOperation("GenerateDataKey");
      KmsException e = assertThrows(KmsException.class,
          () -> kms.generateDataKey("alias/orders", ctx("alias/orders")));
      assertFalse(stackTrace(e).contains(SECRET) || stackTrace(e).contains(ACCESS_KEY));
    }
    Map<String, Object> half = config();
    half.remove("envelope.kms.aws.secret.access.key");
    ConfigException ce = assertThrows(ConfigException.class, () -> client(half));
    assertFalse(ce.getMessage().contains(ACCESS_KEY));
    Map<String, Object> both = config();
    both.put("envelope.kms.aws.profile", "p");
    assertFalse(assertThrows(ConfigException.class, () -> client(both)).getMessage()
        .contains(SECRET));
  }

  @Test
  void invalidSettingsAreRefusedAtConfigureTime() {
    Map<String, Object> badEndpoint = config();
    badEndpoint.put("envelope.kms.aws.endpoint", "localhost:4566");
    assertThrows(ConfigException.class, () -> client(badEndpoint));
    Map<String, Object> orphanToken = config();
    orphanToken.remove("envelope.kms.aws.access.key.id");
    orphanToken.remove("envelope.kms.aws.secret.access.key");
    orphanToken.put("envelope.kms.aws.session.token", SESSION_TOKEN);
    assertFalse(assertThrows(ConfigException.class, () -> client(orphanToken)).getMessage()
        .contains(SESSION_TOKEN));
    Map<String, Object> externalIdWithoutRole = config();
    externalIdWithoutRole.put("envelope.kms.aws.assume.role.external.id", EXTERNAL_ID);
    assertThrows(ConfigException.class, () -> client(externalIdWithoutRole));
    Map<String, Object> zeroAttempts = config();
    zeroAttempts.put("envelope.kms.aws.max.attempts", "0");
    assertThrows(ConfigException.class, () -> client(zeroAttempts));
  }

  static String stackTrace(Throwable t) {
    StringWriter w = new StringWriter();
    t.printStackTrace(new PrintWriter(w));
    return w.toString();
  }

  private static void restore(String property, String old) {
    if (old == null) {
      System.clearProperty(property);
    } else {
      System.setProperty(property, old);
    }
  }
}
