package io.kafkaenvelope.kms.gcp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.kafkaenvelope.kms.DataKey;
import io.kafkaenvelope.kms.EncryptionContext;
import io.kafkaenvelope.kms.KeyManagementService;
import io.kafkaenvelope.kms.KmsException;
import io.kafkaenvelope.kms.KmsException.Reason;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The KMS operations through Google's real client against {@link FakeGcpKms} over TLS. */
class GcpKmsTest {

  static final String EMAIL = "producer@" + FakeGcpKms.PROJECT + ".iam.gserviceaccount.com";

  static FakeGcpKms fake;
  static Path keyFile;
  static String orders;
  static String payments;

  @BeforeAll
  static void start() throws Exception {
    fake = new FakeGcpKms();
    keyFile = fake.serviceAccount(EMAIL);
    orders = fake.createKey("orders");
    payments = fake.createKey("payments");
  }

  @AfterAll
  static void stop() {
    fake.close();
  }

  @BeforeEach
  void reset() {
    fake.resetCounters();
  }

  @AfterEach
  void clear() {
    fake.clearFailures();
    fake.latency(0);
    fake.denyOperation(null);
    fake.skipVerification(false);
    fake.corruptChecksums(false);
  }

  static Map<String, Object> config(FakeGcpKms fake, Path credentials) {
    Map<String, Object> c = new HashMap<>();
    c.put(GcpKmsConfig.ENDPOINT, fake.endpoint());
    c.put(GcpKmsConfig.TLS_CA_FILE, fake.caFile());
    c.put(GcpKmsConfig.CREDENTIALS_FILE, credentials.toString());
    c.put(GcpKmsConfig.MAX_ATTEMPTS, "3");
    c.put(GcpKmsConfig.RETRY_BACKOFF_MS, "1");
    c.put(GcpKmsConfig.RETRY_MAX_BACKOFF_MS, "5");
    return c;
  }

  private static KeyManagementService kms(Map<String, Object> overrides) {
    Map<String, Object> c = config(fake, keyFile);
    c.putAll(overrides);
    return new GcpKmsProvider().create(c);
  }

  private static KmsException failure(Runnable r) {
    return assertThrows(KmsException.class, r::run);
  }

  @Test
  void wrapsWithEncryptAndUnwrapsWithDecryptBindingTheContextAsAad() {
    EncryptionContext ctx = EncryptionContext.forDek(orders);
    try (KeyManagementService kms = kms(Map.of())) {
      DataKey dk = kms.generateDataKey(orders, ctx);
      assertEquals(orders + "/cryptoKeyVersions/1", dk.kekVersion());
      assertArrayEquals(ctx.canonicalBytes(), fake.lastAad("Encrypt"));
      byte[] plain = kms.unwrap(orders, dk.wrapped(), ctx);
      assertArrayEquals(dk.plaintext(), plain);
      assertArrayEquals(ctx.canonicalBytes(), fake.lastAad("Decrypt"));
      assertEquals(1, fake.calls("Encrypt"));
      assertEquals(1, fake.calls("Decrypt"));
      assertEquals(List.of(EMAIL, EMAIL), fake.principals(), "authenticated by the JWT");
      assertTrue(kms.describe().contains(EMAIL), kms.describe());
      assertFalse(kms.describe().contains("PRIVATE"), kms.describe());
    }
  }

  @Test
  void eachDekIsFreshRandomness() {
    try (KeyManagementService kms = kms(Map.of())) {
      EncryptionContext ctx = EncryptionContext.forDek(orders);
      DataKey a = kms.generateDataKey(orders, ctx);
      DataKey b = kms.generateDataKey(orders, ctx);
      assertFalse(java.util.Arrays.equals(a.plaintext(), b.plaintext()));
    }
  }

  @Test
  void rotationMovesNewDeksToTheNewPrimaryAndOldOnesStillUnwrap() {
    String key = fake.createKey("rotating");
    EncryptionContext ctx = EncryptionContext.forDek(key);
    try (KeyManagementService kms = kms(Map.of())) {
      DataKey old = kms.generateDataKey(key, ctx);
      assertEquals(key + "/cryptoKeyVersions/2", fake.rotate(key));
      DataKey fresh = kms.generateDataKey(key, ctx);
      assertEquals(key + "/cryptoKeyVersions/1", old.kekVersion());
      assertEquals(key + "/cryptoKeyVersions/2", fresh.kekVersion());
      assertArrayEquals(old.plaintext(), kms.unwrap(key, old.wrapped(), ctx));
      assertArrayEquals(fresh.plaintext(), kms.unwrap(key, fresh.wrapped(), ctx));
    }
  }

  @Test
  void aPinnedVersionEncryptsWithThatVersionAndDecryptsThroughItsKey() {
    String key = fake.createKey("pinned");
    fake.rotate(key);
    String v1 = key + "/cryptoKeyVersions/1";
    EncryptionContext ctx = EncryptionContext.forDek(v1);
    try (KeyManagementService kms = kms(Map.of())) {
      DataKey dk = kms.generateDataKey(v1, ctx);
      assertEquals(v1, dk.kekVersion());
      assertArrayEquals(dk.plaintext(), kms.unwrap(v1, dk.wrapped(), ctx));
    }
  }

  @Test
  void anotherContextAnotherKeyOrATamperedBlobIsInvalidCiphertextWithoutRetry() {
    EncryptionContext ctx = EncryptionContext.forDek(orders);
    try (KeyManagementService kms = kms(Map.of())) {
      DataKey dk = kms.generateDataKey(orders, ctx);
      fake.resetCounters();
      KmsException e = failure(() -> kms.unwrap(orders, dk.wrapped(),
          EncryptionContext.forDek(payments)));
      assertEquals(Reason.INVALID_CIPHERTEXT, e.reason(), e.getMessage());
      assertEquals(1, fake.calls("Decrypt"), "INVALID_ARGUMENT is not retried");
      e = failure(() -> kms.unwrap(payments, dk.wrapped(), ctx));
      assertEquals(Reason.INVALID_CIPHERTEXT, e.reason(), "KEK pinned: " + e.getMessage());
      byte[] tampered = dk.wrapped();
      tampered[tampered.length - 1] ^= 1;
      e = failure(() -> kms.unwrap(orders, tampered, ctx));
      assertEquals(Reason.INVALID_CIPHERTEXT, e.reason(), e.getMessage());
      assertTrue(e.getMessage().contains(orders), e.getMessage());
    }
  }

  @Test
  void throttlingIsRetriedWithinTheAttemptBudget() {
    try (KeyManagementService kms = kms(Map.of())) {
      fake.failNext(2, Status.Code.RESOURCE_EXHAUSTED);
      DataKey dk = kms.generateDataKey(orders, EncryptionContext.forDek(orders));
      assertEquals(3, fake.calls("Encrypt"), "two throttled attempts, then success");
      dk.destroy();
    }
  }

  @Test
  void aThrottlingStormEndsAsThrottledAfterMaxAttempts() {
    try (KeyManagementService kms = kms(Map.of())) {
      fake.failNext(100, Status.Code.RESOURCE_EXHAUSTED);
      KmsException e = failure(() -> kms.generateDataKey(orders,
          EncryptionContext.forDek(orders)));
      assertEquals(Reason.THROTTLED, e.reason(), e.getMessage());
      assertEquals(3, fake.calls("Encrypt"));
    }
  }

  @Test
  void unavailableAndInternalAreRetriedThenUnavailable() {
    try (KeyManagementService kms = kms(Map.of())) {
      for (Status.Code code : List.of(Status.Code.UNAVAILABLE, Status.Code.INTERNAL)) {
        fake.resetCounters();
        fake.failNext(100, code);
        KmsException e = failure(() -> kms.unwrap(orders, new byte[48],
            EncryptionContext.forDek(orders)));
        assertEquals(Reason.UNAVAILABLE, e.reason(), e.getMessage());
        assertEquals(3, fake.calls("Decrypt"), code + " retried up to max.attempts");
      }
    }
  }

  @Test
  void aSlowServerHitsTheDeadlineOfEachAttempt() {
    // the server sleeps far past each attempt's deadline; a generous deadline so that a loaded
    // machine still delivers the second attempt to the server before it expires
    try (KeyManagementService kms = kms(Map.of(GcpKmsConfig.RPC_TIMEOUT_MS, "1000",
        GcpKmsConfig.MAX_ATTEMPTS, "2"))) {
      fake.latency(6_000);
      KmsException e = failure(() -> kms.generateDataKey(orders,
          EncryptionContext.forDek(orders)));
      assertEquals(Reason.UNAVAILABLE, e.reason(), e.getMessage());
      assertTrue(e.getMessage().contains("DEADLINE_EXCEEDED"), e.getMessage());
      assertEquals(2, fake.calls("Encrypt"));
    }
  }

  @Test
  void permissionDeniedIsNamedAndNotRetried() {
    try (KeyManagementService kms = kms(Map.of())) {
      fake.denyOperation("Encrypt");
      KmsException e = failure(() -> kms.generateDataKey(orders,
          EncryptionContext.forDek(orders)));
      assertEquals(Reason.ACCESS_DENIED, e.reason());
      assertTrue(e.getMessage().contains("cloudkms.cryptoKeyVersions.useToEncrypt"),
          e.getMessage());
      assertEquals(1, fake.calls("Encrypt"));
    }
  }

  @Test
  void anUntrustedKeyFileIsUnauthenticatedAndNotRetried() throws Exception {
    Path other = fake.untrustedServiceAccount("gone@" + FakeGcpKms.PROJECT
        + ".iam.gserviceaccount.com");
    Map<String, Object> c = config(fake, other);
    try (KeyManagementService kms = new GcpKmsProvider().create(c)) {
      KmsException e = failure(() -> kms.generateDataKey(orders,
          EncryptionContext.forDek(orders)));
      assertEquals(Reason.ACCESS_DENIED, e.reason(), e.getMessage());
      assertTrue(e.getMessage().contains("UNAUTHENTICATED"), e.getMessage());
      assertEquals(1, fake.calls("unauthenticated"));
      assertEquals(0, fake.calls("Encrypt"));
    }
  }

  @Test
  void anUnknownKeyIsKeyNotFoundAndNotRetried() {
    String missing = FakeGcpKms.RING + "/cryptoKeys/missing";
    try (KeyManagementService kms = kms(Map.of())) {
      KmsException e = failure(() -> kms.generateDataKey(missing,
          EncryptionContext.forDek(missing)));
      assertEquals(Reason.KEY_NOT_FOUND, e.reason(), e.getMessage());
      assertEquals(1, fake.calls("Encrypt"));
    }
  }

  @Test
  void aDisabledVersionIsKeyDisabledForNewAndOldDeksAndNotRetried() {
    String key = fake.createKey("disabled");
    EncryptionContext ctx = EncryptionContext.forDek(key);
    try (KeyManagementService kms = kms(Map.of())) {
      DataKey dk = kms.generateDataKey(key, ctx);
      fake.setEnabled(key + "/cryptoKeyVersions/1", false);
      fake.resetCounters();
      KmsException e = failure(() -> kms.generateDataKey(key, ctx));
      assertEquals(Reason.KEY_DISABLED, e.reason(), e.getMessage());
      e = failure(() -> kms.unwrap(key, dk.wrapped(), ctx));
      assertEquals(Reason.KEY_DISABLED, e.reason(), e.getMessage());
      assertEquals(1, fake.calls("Encrypt"));
      assertEquals(1, fake.calls("Decrypt"));
      fake.setEnabled(key + "/cryptoKeyVersions/1", true);
      assertArrayEquals(dk.plaintext(), kms.unwrap(key, dk.wrapped(), ctx));
    }
  }

  @Test
  void aKekIdThatIsNoCryptoKeyNameIsMisconfiguredBeforeAnyCall() {
    try (KeyManagementService kms = kms(Map.of())) {
      for (String id : List.of("orders", "projects/p/locations/l/keyRings/r",
          "projects/p/locations/l/keyRings/r/cryptoKeys/k/cryptoKeyVersions/0",
          FakeGcpKms.RING + "/cryptoKeys/k/../k")) {
        KmsException e = failure(() -> kms.generateDataKey(id, EncryptionContext.forDek(id)));
        assertEquals(Reason.MISCONFIGURED, e.reason(), id);
        e = failure(() -> kms.unwrap(id, new byte[48], EncryptionContext.forDek(id)));
        assertEquals(Reason.MISCONFIGURED, e.reason(), id);
      }
      assertEquals(0, fake.calls("Encrypt") + fake.calls("Decrypt"));
    }
  }

  @Test
  void responsesWhoseIntegrityFieldsFailAreRefused() {
    EncryptionContext ctx = EncryptionContext.forDek(orders);
    try (KeyManagementService kms = kms(Map.of())) {
      DataKey dk = kms.generateDataKey(orders, ctx);
      fake.skipVerification(true);
      KmsException e = failure(() -> kms.generateDataKey(orders, ctx));
      assertEquals(Reason.UNAVAILABLE, e.reason());
      assertTrue(e.getMessage().contains("integrity"), e.getMessage());
      fake.skipVerification(false);
      fake.corruptChecksums(true);
      e = failure(() -> kms.generateDataKey(orders, ctx));
      assertTrue(e.getMessage().contains("ciphertext does not match"), e.getMessage());
      e = failure(() -> kms.unwrap(orders, dk.wrapped(), ctx));
      assertEquals(Reason.UNAVAILABLE, e.reason());
      assertTrue(e.getMessage().contains("plaintext does not match"), e.getMessage());
    }
  }

  @Test
  void thePlaintextEmulatorModeSendsNoCredentials() throws Exception {
    try (FakeGcpKms emulator = new FakeGcpKms(false)) {
      String key = emulator.createKey("emulated");
      Map<String, Object> c = Map.of(GcpKmsConfig.ENDPOINT, emulator.endpoint(),
          GcpKmsConfig.ENDPOINT_PLAINTEXT, "true");
      try (KeyManagementService kms = new GcpKmsProvider().create(c)) {
        EncryptionContext ctx = EncryptionContext.forDek(key);
        DataKey dk = kms.generateDataKey(key, ctx);
        assertArrayEquals(dk.plaintext(), kms.unwrap(key, dk.wrapped(), ctx));
        assertTrue(kms.describe().contains("plaintext"), kms.describe());
      }
    }
  }

  @Test
  void anEndpointThatIsNoCloudKmsIsMisconfiguredNeverKeyNotFound() throws Exception {
    // KEY_NOT_FOUND may let a producer send plaintext (envelope.kek.unresolved.policy): a gRPC
    // server without the KMS service answers UNIMPLEMENTED, which must not look like it
    io.grpc.Server other = io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder
        .forAddress(new java.net.InetSocketAddress("127.0.0.1", 0),
            io.grpc.InsecureServerCredentials.create()).build().start();
    try (KeyManagementService kms = new GcpKmsProvider().create(Map.of(GcpKmsConfig.ENDPOINT,
        "127.0.0.1:" + other.getPort(), GcpKmsConfig.ENDPOINT_PLAINTEXT, "true"))) {
      KmsException e = failure(() -> kms.generateDataKey(orders,
          EncryptionContext.forDek(orders)));
      assertEquals(Reason.MISCONFIGURED, e.reason(), e.getMessage());
      assertTrue(e.getMessage().contains("UNIMPLEMENTED"), e.getMessage());
    } finally {
      other.shutdownNow();
    }
  }

  @Test
  void theReasonsOfEveryStatusCode() {
    assertEquals(Reason.INVALID_CIPHERTEXT, GcpKms.reasonOf(
        com.google.api.gax.rpc.StatusCode.Code.INVALID_ARGUMENT, "Decrypt"));
    assertEquals(Reason.MISCONFIGURED, GcpKms.reasonOf(
        com.google.api.gax.rpc.StatusCode.Code.INVALID_ARGUMENT, "Encrypt"));
    assertEquals(Reason.MISCONFIGURED, GcpKms.reasonOf(
        com.google.api.gax.rpc.StatusCode.Code.UNIMPLEMENTED, "Encrypt"));
    assertEquals(Reason.ACCESS_DENIED, GcpKms.reasonOf(
        com.google.api.gax.rpc.StatusCode.Code.UNAUTHENTICATED, "Decrypt"));
  }
}
