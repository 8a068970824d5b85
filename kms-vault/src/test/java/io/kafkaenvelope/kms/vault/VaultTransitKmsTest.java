package io.kafkaenvelope.kms.vault;

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
import io.kafkaenvelope.testing.TestPki;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real client path (JDK HTTP client, JSON, auth, retries, TLS) against {@link FakeVault}, which
 * checks tokens, TTLs, policies and namespaces like Vault and does real AES-GCM per key version.
 */
@Order(1)
class VaultTransitKmsTest {

  static final String ROOT_TOKEN = "hvs.root-token-never-printed-0001";
  static final String ROLE_ID = "role-id-orders-producer";
  static final String SECRET_ID = "secret-id-never-printed-0002";
  static final String JWT = "eyJhbGciOiJSUzI1NiJ9.never-printed-service-account-jwt.0003";

  static FakeVault vault;

  @BeforeAll
  static void start() throws Exception {
    vault = FakeVault.withRootToken(ROOT_TOKEN, "orders", "payments");
    vault.createKey("transit", "derived-orders", true);
    vault.createKey("kafka/transit", "orders", false);
  }

  @AfterAll
  static void stop() {
    vault.close();
  }

  @BeforeEach
  void reset() {
    vault.reset();
    vault.latency(0);
    vault.sealed(false);
    vault.namespace(null);
    vault.clock(System::currentTimeMillis);
  }

  static Map<String, Object> config() {
    Map<String, Object> c = vault.clientConfig(ROOT_TOKEN);
    c.put("envelope.kms.vault.max.attempts", "3");
    return c;
  }

  static Map<String, Object> appRole() {
    Map<String, Object> c = config();
    c.remove("envelope.kms.vault.token");
    c.put("envelope.kms.vault.auth.method", "approle");
    c.put("envelope.kms.vault.approle.role.id", ROLE_ID);
    c.put("envelope.kms.vault.approle.secret.id", SECRET_ID);
    return c;
  }

  static KeyManagementService client(Map<String, Object> c) {
    return KmsProviders.forType("vault-transit").create(c);
  }

  static EncryptionContext ctx(String kek) {
    return EncryptionContext.forDek(kek);
  }

  private static KmsException fails(Reason reason, Runnable call) {
    KmsException e = assertThrows(KmsException.class, call::run);
    assertEquals(reason, e.reason(), e.getMessage());
    return e;
  }

  @Test
  void datakeyAndDecryptRoundTripAndRotationKeepsOldDeksReadable() throws Exception {
    vault.createKey("transit", "rotating", false);
    try (KeyManagementService kms = client(config())) {
      DataKey v1 = kms.generateDataKey("rotating", ctx("rotating"));
      assertEquals("{\"bits\":256}", vault.lastTransitBody, "no context for a non-derived key");
      assertEquals("v1", v1.kekVersion());
      assertTrue(new String(v1.wrapped(), StandardCharsets.US_ASCII).startsWith("vault:v1:"));
      assertArrayEquals(v1.plaintext(), kms.unwrap("rotating", v1.wrapped(), ctx("rotating")));
      // rotate through the HTTP API, as an operator would
      HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
          URI.create(vault.address() + "/v1/transit/keys/rotating/rotate"))
          .header("X-Vault-Token", ROOT_TOKEN).POST(HttpRequest.BodyPublishers.noBody()).build(),
          HttpResponse.BodyHandlers.ofString());
      assertEquals(204, r.statusCode());
      DataKey v2 = kms.generateDataKey("rotating", ctx("rotating"));
      assertEquals("v2", v2.kekVersion(), "new DEKs are wrapped by the new key version");
      assertArrayEquals(v1.plaintext(), kms.unwrap("rotating", v1.wrapped(), ctx("rotating")),
          "DEKs wrapped by v1 still unwrap after the rotation");
      assertArrayEquals(v2.plaintext(), kms.unwrap("rotating", v2.wrapped(), ctx("rotating")));
      assertTrue(kms.describe().contains("mount=transit") && kms.describe().contains("auth=token"));
      assertFalse(kms.describe().contains(ROOT_TOKEN) || kms.toString().contains(ROOT_TOKEN));
    }
    assertEquals(2, vault.calls("datakey/plaintext"));
    assertEquals(3, vault.calls("decrypt"));
  }

  @Test
  void customMountAndUnknownTokenOrMountAreReported() {
    Map<String, Object> c = config();
    c.put("envelope.kms.vault.transit.mount", "/kafka/transit/");
    try (KeyManagementService kms = client(c)) {
      DataKey k = kms.generateDataKey("orders", ctx("orders"));
      assertArrayEquals(k.plaintext(), kms.unwrap("orders", k.wrapped(), ctx("orders")));
      assertTrue(kms.describe().contains("mount=kafka/transit"));
    }
    Map<String, Object> wrongToken = config();
    wrongToken.put("envelope.kms.vault.token", "hvs.not-a-known-token");
    try (KeyManagementService kms = client(wrongToken)) {
      KmsException e = fails(Reason.ACCESS_DENIED,
          () -> kms.generateDataKey("orders", ctx("orders")));
      assertTrue(e.getMessage().contains("expired or was revoked"), e.getMessage());
      assertFalse(stackTrace(e).contains("hvs.not-a-known-token"));
    }
  }

  @Test
  void decryptIsPinnedToTheKeyInThePathAndDamagedKeysAreRefused() {
    try (KeyManagementService kms = client(config())) {
      DataKey k = kms.generateDataKey("orders", ctx("orders"));
      vault.resetCounters();
      KmsException pinned = fails(Reason.INVALID_CIPHERTEXT,
          () -> kms.unwrap("payments", k.wrapped(), ctx("orders")));
      assertTrue(pinned.getMessage().contains("transit/decrypt/payments")
          && pinned.getMessage().contains("message authentication failed"), pinned.getMessage());
      byte[] tampered = k.wrapped();
      tampered[tampered.length - 3] = (byte) (tampered[tampered.length - 3] == 'A' ? 'B' : 'A');
      fails(Reason.INVALID_CIPHERTEXT, () -> kms.unwrap("orders", tampered, ctx("orders")));
      byte[] future = new String(k.wrapped(), StandardCharsets.US_ASCII)
          .replace("vault:v1:", "vault:v9:").getBytes(StandardCharsets.US_ASCII);
      fails(Reason.INVALID_CIPHERTEXT, () -> kms.unwrap("orders", future, ctx("orders")));
      assertEquals(3, vault.calls("decrypt"), "none of these was retried");
      fails(Reason.INVALID_CIPHERTEXT, () -> kms.unwrap("orders", new byte[40], ctx("orders")));
      fails(Reason.INVALID_CIPHERTEXT, () -> kms.unwrap("orders",
          "vault:v1:not base64!".getBytes(StandardCharsets.US_ASCII), ctx("orders")));
      for (String bad : new String[] {"../../sys/seal", "a/b", "..", "", "orders?x=1"}) {
        fails(Reason.MISCONFIGURED, () -> kms.generateDataKey(bad, ctx(bad)));
      }
      assertEquals(3, vault.calls("decrypt"), "malformed input never reaches Vault");
      assertEquals(0, vault.calls("datakey/plaintext"));
    }
  }

  @Test
  void derivedKeysGetADeterministicContextFromTheEncryptionContext() {
    Map<String, Object> c = config();
    c.put("envelope.kms.vault.transit.derived", "true");
    try (KeyManagementService kms = client(c)) {
      DataKey k = kms.generateDataKey("derived-orders", ctx("derived-orders"));
      assertTrue(vault.lastTransitBody.contains("\"context\":\""), vault.lastTransitBody);
      String sentOnDatakey = vault.lastTransitBody;
      assertArrayEquals(k.plaintext(), kms.unwrap("derived-orders", k.wrapped(),
          ctx("derived-orders")));
      assertEquals(context(sentOnDatakey), context(vault.lastTransitBody),
          "the same context on datakey and decrypt");
      fails(Reason.INVALID_CIPHERTEXT, () -> kms.unwrap("derived-orders", k.wrapped(),
          EncryptionContext.of(Map.of("kafka-envelope:kek", "other"))));
      // a non-derived key ignores the context, as Vault does
      DataKey plain = kms.generateDataKey("orders", ctx("orders"));
      assertArrayEquals(plain.plaintext(), kms.unwrap("orders", plain.wrapped(), ctx("orders")));
    }
    try (KeyManagementService kms = client(config())) {
      KmsException e = fails(Reason.MISCONFIGURED,
          () -> kms.generateDataKey("derived-orders", ctx("derived-orders")));
      assertTrue(e.getMessage().contains("envelope.kms.vault.transit.derived"), e.getMessage());
    }
  }

  private static String context(String body) {
    int i = body.indexOf("\"context\":\"");
    return body.substring(i, body.indexOf('"', i + 11));
  }

  @Test
  void policyDenialAndUnknownKeysAreClearAndNotRetried() throws Exception {
    vault.addToken("hvs.decrypt-only-0004", 0, 0, false, List.of("transit/decrypt/orders"));
    Map<String, Object> c = config();
    c.put("envelope.kms.vault.token", "hvs.decrypt-only-0004");
    try (KeyManagementService kms = client(c)) {
      awaitCalls("lookup-self", 1); // the background lookup of a given token's TTL
      vault.resetCounters();
      KmsException e = fails(Reason.ACCESS_DENIED,
          () -> kms.generateDataKey("orders", ctx("orders")));
      assertTrue(e.getMessage().contains("'orders'")
          && e.getMessage().contains("transit/datakey/plaintext/orders")
          && e.getMessage().contains("HTTP 403") && e.getMessage().contains("permission denied"),
          e.getMessage());
      assertFalse(stackTrace(e).contains("hvs.decrypt-only-0004"));
    }
    assertEquals(1, vault.calls("datakey/plaintext"), "403 is not retried");
    assertEquals(1, vault.calls("lookup-self"), "one lookup tells denial from a dead token");
    try (KeyManagementService kms = client(config())) {
      vault.resetCounters();
      KmsException missing = fails(Reason.KEY_NOT_FOUND,
          () -> kms.generateDataKey("nope", ctx("nope")));
      assertTrue(missing.getMessage().contains("no Transit key 'nope' under mount 'transit'"),
          missing.getMessage());
      assertEquals(1, vault.calls("datakey/plaintext"));
      vault.failNext(1, 404, "no handler for route");
      KmsException noRoute = fails(Reason.MISCONFIGURED, () -> kms.unwrap("orders",
          "vault:v1:AAAA".getBytes(StandardCharsets.US_ASCII), ctx("orders")));
      assertTrue(noRoute.getMessage().contains("envelope.kms.vault.transit.mount")
          && noRoute.getMessage().contains("envelope.kms.vault.namespace"), noRoute.getMessage());
      assertEquals(1, vault.calls("decrypt"), "404 is not retried");

      vault.createKey("transit", "retired", false);
      DataKey old = kms.generateDataKey("retired", ctx("retired"));
      vault.rotate("transit", "retired");
      vault.minDecryptionVersion("transit", "retired", 2);
      fails(Reason.KEY_DISABLED, () -> kms.unwrap("retired", old.wrapped(), ctx("retired")));
    }
  }

  @Test
  void serverErrorsAndRateLimitsAreRetriedWithinMaxAttemptsSealedIsNot() {
    try (KeyManagementService kms = client(config())) {
      vault.failNext(2, 500, "internal error");
      DataKey k = kms.generateDataKey("orders", ctx("orders"));
      assertEquals(3, vault.calls("datakey/plaintext"), "two 500s, then success");
      vault.failNext(1, 429, "request path \"transit/decrypt/orders\": rate limit quota exceeded");
      assertArrayEquals(k.plaintext(), kms.unwrap("orders", k.wrapped(), ctx("orders")));
      assertEquals(2, vault.calls("decrypt"));

      vault.resetCounters();
      vault.failNext(3, 429, "rate limit quota exceeded");
      KmsException throttled = fails(Reason.THROTTLED,
          () -> kms.generateDataKey("orders", ctx("orders")));
      assertTrue(throttled.reason().retryable());
      assertEquals(3, vault.calls("datakey/plaintext"), "max.attempts bounds the retries");

      vault.resetCounters();
      vault.failNext(5, 502, "bad gateway");
      fails(Reason.UNAVAILABLE, () -> kms.unwrap("orders", k.wrapped(), ctx("orders")));
      assertEquals(3, vault.calls("decrypt"));
      vault.clearFailures();

      vault.resetCounters();
      vault.sealed(true);
      KmsException sealed = fails(Reason.UNAVAILABLE,
          () -> kms.generateDataKey("orders", ctx("orders")));
      assertTrue(sealed.getMessage().contains("Vault is sealed")
          && sealed.getMessage().contains("unseal"), sealed.getMessage());
      vault.sealed(false);
      assertEquals(1, vault.calls("sealed"), "a sealed Vault is not retried");
    }
  }

  @Test
  void backoffIsCappedAndTheOperationTimeoutStopsRetrying() {
    Map<String, Object> c = config();
    c.put("envelope.kms.vault.max.attempts", "4");
    c.put("envelope.kms.vault.retry.backoff.ms", "10000");
    c.put("envelope.kms.vault.retry.backoff.max.ms", "50");
    try (KeyManagementService kms = client(c)) {
      vault.failNext(3, 503, "service unavailable");
      long start = System.nanoTime();
      kms.generateDataKey("orders", ctx("orders"));
      long ms = (System.nanoTime() - start) / 1_000_000;
      assertEquals(4, vault.calls("datakey/plaintext"));
      // uncapped, the first wait alone would be 10 s: anything under that shows the cap
      assertTrue(ms < 9_000, "three waits of at most 50 ms each, took " + ms + " ms");
    }
    Map<String, Object> shortOp = config();
    shortOp.put("envelope.kms.vault.max.attempts", "20");
    shortOp.put("envelope.kms.vault.retry.backoff.ms", "200");
    shortOp.put("envelope.kms.vault.operation.timeout.ms", "300");
    vault.resetCounters();
    try (KeyManagementService kms = client(shortOp)) {
      vault.failNext(20, 500, "internal error");
      fails(Reason.UNAVAILABLE, () -> kms.generateDataKey("orders", ctx("orders")));
      // 20 attempts need 19 waits of 200 ms: fewer shows the 300 ms operation timeout stopped it
      assertTrue(vault.calls("datakey/plaintext") < 20, "not all 20 attempts were made");
    } finally {
      vault.clearFailures();
    }
  }

  /** Client and fake Vault on one clock that moves only when the test says so. */
  private static ManualTime manualTime() {
    ManualTime time = new ManualTime();
    vault.clock(time::millis);
    return time;
  }

  @Test
  void aGivenTokenWithATtlIsRenewedInTheBackground() throws Exception {
    ManualTime time = manualTime();
    vault.addToken("hvs.short-lived-0005", 2_000, 60_000, true, null);
    Map<String, Object> c = config();
    c.put("envelope.kms.vault.token", "hvs.short-lived-0005");
    try (KeyManagementService kms = time.client(c)) {
      time.runDue(); // the background lookup of the given token's TTL
      assertEquals(1, vault.calls("lookup-self"));
      time.advance(1_300);
      assertEquals(0, vault.calls("renew-self"), "not before 2/3 of the TTL");
      time.advance(100);
      assertEquals(1, vault.calls("renew-self"), "renew-self before expiry");
      time.advance(1_100); // 2.5 s: past the original TTL
      DataKey k = kms.generateDataKey("orders", ctx("orders"));
      assertArrayEquals(k.plaintext(), kms.unwrap("orders", k.wrapped(), ctx("orders")));
      assertEquals(1, vault.calls("lookup-self"), "the token was never refused");
    }
  }

  @Test
  @Timeout(30) // the held answers come after 60 s: only the client's timeouts end the call
  void everyCallIsBoundedByTimeouts() throws Exception {
    Map<String, Object> c = config();
    c.put("envelope.kms.vault.request.timeout.ms", "250");
    c.put("envelope.kms.vault.operation.timeout.ms", "600");
    c.put("envelope.kms.vault.max.attempts", "5");
    vault.holdAnswers();
    try (KeyManagementService kms = client(c)) {
      KmsException e = fails(Reason.UNAVAILABLE,
          () -> kms.generateDataKey("orders", ctx("orders")));
      assertTrue(e.getMessage().contains("no answer from " + vault.address() + " within")
          || e.getMessage().contains("operation timeout reached"), e.getMessage());
      assertTrue(vault.calls("datakey/plaintext") >= 1, "the request reached the fake");
    } finally {
      vault.releaseAnswers();
    }
    int closedPort;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = s.getLocalPort();
    }
    Map<String, Object> down = config();
    down.put("envelope.kms.vault.address", "http://127.0.0.1:" + closedPort);
    try (KeyManagementService kms = client(down)) {
      KmsException e = fails(Reason.UNAVAILABLE,
          () -> kms.generateDataKey("orders", ctx("orders")));
      assertTrue(e.getMessage().contains("could not connect to http://127.0.0.1:" + closedPort),
          e.getMessage());
    }
  }

  @Test
  void appRoleLogsInOnceRenewsInTheBackgroundAndLogsInAgainAtMaxTtl() throws Exception {
    List<String> policy = List.of("transit/datakey/plaintext/orders", "transit/decrypt/orders");
    ManualTime time = manualTime();
    vault.addAppRole(ROLE_ID, SECRET_ID, 2_000, 60_000, true, policy);
    try (KeyManagementService kms = time.client(appRole())) {
      DataKey k = kms.generateDataKey("orders", ctx("orders"));
      assertArrayEquals(k.plaintext(), kms.unwrap("orders", k.wrapped(), ctx("orders")));
      assertEquals(1, vault.calls("login/approle"), "one login serves both calls");
      time.advance(1_300);
      assertEquals(0, vault.calls("renew-self"), "not before 2/3 of the TTL");
      time.advance(100);
      assertEquals(1, vault.calls("renew-self"), "renewed at 2/3 of the TTL");
      time.advance(1_000); // 2.4 s: past the first token's original TTL
      kms.generateDataKey("orders", ctx("orders"));
      assertEquals(1, vault.calls("login/approle"), "the renewed token is still in use");
      assertEquals(0, vault.calls("denied"), "and was never refused");
    }
    vault.resetCounters();
    vault.addAppRole(ROLE_ID, SECRET_ID, 2_000, 2_000, true, policy); // cannot be extended
    time = manualTime(); // closing the client shut the last one's scheduler down
    try (KeyManagementService kms = time.client(appRole())) {
      kms.generateDataKey("orders", ctx("orders"));
      time.advance(1_400); // 2/3 of the TTL: renew-self grants no more, so log in again
      assertEquals(1, vault.calls("renew-self"));
      assertEquals(2, vault.calls("login/approle"), "logged in again before expiry");
      assertEquals(1, vault.calls("revoke-self"), "the replaced token was revoked");
      time.advance(900); // 2.3 s: past the first token's max TTL
      kms.generateDataKey("orders", ctx("orders"));
      assertEquals(2, vault.calls("datakey/plaintext"), "no call met an expired token");
      assertEquals(0, vault.calls("denied"));
    }
  }

  @Test
  void aTokenThatDiesIsReplacedByOneLoginEvenUnderConcurrency() throws Exception {
    vault.addAppRole(ROLE_ID, SECRET_ID, 600_000, 0, true, null);
    try (KeyManagementService kms = client(appRole())) {
      kms.generateDataKey("orders", ctx("orders"));
      vault.expireAllTokens();
      vault.resetCounters();
      ExecutorService pool = Executors.newFixedThreadPool(8);
      try {
        List<Future<DataKey>> results = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
          results.add(pool.submit((Callable<DataKey>) () -> kms.generateDataKey("orders",
              ctx("orders"))));
        }
        for (Future<DataKey> f : results) {
          assertEquals("v1", f.get().kekVersion());
        }
      } finally {
        pool.shutdownNow();
      }
      assertEquals(1, vault.calls("login/approle"), "one login replaced the dead token");
      assertTrue(vault.calls("datakey/plaintext") >= 9, "refused calls were repeated");
    }
    Map<String, Object> wrongSecret = appRole();
    wrongSecret.put("envelope.kms.vault.approle.secret.id", "wrong-secret-never-printed");
    try (KeyManagementService kms = client(wrongSecret)) {
      KmsException e = fails(Reason.ACCESS_DENIED,
          () -> kms.generateDataKey("orders", ctx("orders")));
      assertTrue(e.getMessage().contains("approle login at auth/approle/login failed")
          && e.getMessage().contains("invalid role or secret ID"), e.getMessage());
      assertFalse(stackTrace(e).contains("wrong-secret-never-printed"));
    }
  }

  @Test
  void kubernetesLoginReadsTheServiceAccountTokenAtEveryLogin(@TempDir Path dir)
      throws Exception {
    Path jwtFile = dir.resolve("token");
    vault.enableAuth("kubernetes", "k8s-prod");
    vault.addKubernetesRole("k8s-prod", "kafka-orders", "kafka", "orders-app", 600_000, null);
    Files.writeString(jwtFile, vault.serviceAccountJwt("kafka", "orders-app", 600_000) + "\n");
    Map<String, Object> c = config();
    c.remove("envelope.kms.vault.token");
    c.put("envelope.kms.vault.auth.method", "kubernetes");
    c.put("envelope.kms.vault.kubernetes.role", "kafka-orders");
    c.put("envelope.kms.vault.kubernetes.mount", "k8s-prod");
    c.put("envelope.kms.vault.kubernetes.jwt.path", jwtFile.toString());
    try (KeyManagementService kms = client(c)) {
      DataKey k = kms.generateDataKey("orders", ctx("orders"));
      assertEquals(1, vault.calls("login:auth/k8s-prod/login"));
      String rotated = vault.serviceAccountJwt("kafka", "orders-app", 600_000);
      Files.writeString(jwtFile, rotated);
      vault.expireAllTokens();
      assertArrayEquals(k.plaintext(), kms.unwrap("orders", k.wrapped(), ctx("orders")));
      assertEquals(2, vault.calls("login:auth/k8s-prod/login"), "logged in again");
      assertEquals(rotated, vault.lastKubernetesJwt, "with the JWT read from the file again");
      assertTrue(kms.describe().contains("auth=kubernetes"));
    }
    c.put("envelope.kms.vault.kubernetes.jwt.path", dir.resolve("missing").toString());
    try (KeyManagementService kms = client(c)) {
      KmsException e = fails(Reason.MISCONFIGURED,
          () -> kms.generateDataKey("orders", ctx("orders")));
      assertTrue(e.getMessage().contains("service account token file"), e.getMessage());
    }
  }

  @Test
  void namespaceHeaderGoesOnEveryRequestLoginsIncluded() {
    vault.namespace("team-a/kafka");
    vault.addAppRole(ROLE_ID, SECRET_ID, 600_000, 0, true, null);
    try (KeyManagementService kms = client(appRole())) {
      fails(Reason.ACCESS_DENIED, () -> kms.generateDataKey("orders", ctx("orders")));
    }
    assertTrue(vault.namespaceMisses() > 0);
    int misses = vault.namespaceMisses();
    Map<String, Object> c = appRole();
    c.put("envelope.kms.vault.namespace", "/team-a/kafka/");
    try (KeyManagementService kms = client(c)) {
      DataKey k = kms.generateDataKey("orders", ctx("orders"));
      assertArrayEquals(k.plaintext(), kms.unwrap("orders", k.wrapped(), ctx("orders")));
      assertTrue(kms.describe().contains("namespace=team-a/kafka"));
    }
    assertEquals("team-a/kafka", vault.lastNamespace);
    assertEquals(misses, vault.namespaceMisses(), "login and Transit calls all carried it");
  }

  @Test
  void tlsWithACaBundleAndClientCertificatesNeverTrustsBlindly(@TempDir Path dir)
      throws Exception {
    TestPki pki = new TestPki("Kafka Envelope Test CA");
    TestPki other = new TestPki("Someone Else's CA");
    Path ca = TestPki.writePem(dir.resolve("ca.pem"), "CERTIFICATE", pki.ca.getEncoded());
    Path otherCa = TestPki.writePem(dir.resolve("other.pem"), "CERTIFICATE",
        other.ca.getEncoded());
    Path cert = TestPki.writePem(dir.resolve("client.pem"), "CERTIFICATE",
        pki.client.getEncoded());
    Path key = TestPki.writeKey(dir.resolve("client-key.pem"), pki.clientKeys.getPrivate());
    try (FakeVault tls = new FakeVault(pki.serverContext(), true)) {
      tls.addToken(ROOT_TOKEN, 0, 0, false, null);
      tls.createKey("transit", "orders", false);
      Map<String, Object> c = config();
      c.put("envelope.kms.vault.address", tls.address());
      c.put("envelope.kms.vault.tls.ca.file", ca.toString());
      c.put("envelope.kms.vault.tls.client.cert.file", cert.toString());
      c.put("envelope.kms.vault.tls.client.key.file", key.toString());
      try (KeyManagementService kms = client(c)) {
        DataKey k = kms.generateDataKey("orders", ctx("orders"));
        assertArrayEquals(k.plaintext(), kms.unwrap("orders", k.wrapped(), ctx("orders")));
      }
      Map<String, Object> noClientCert = new HashMap<>(c);
      noClientCert.remove("envelope.kms.vault.tls.client.cert.file");
      noClientCert.remove("envelope.kms.vault.tls.client.key.file");
      try (KeyManagementService kms = client(noClientCert)) {
        KmsException e = assertThrows(KmsException.class,
            () -> kms.generateDataKey("orders", ctx("orders")));
        assertFalse(e.getMessage().contains(ROOT_TOKEN));
      }
      for (Map<String, Object> untrusted : List.of(without(c, "envelope.kms.vault.tls.ca.file"),
          with(c, "envelope.kms.vault.tls.ca.file", otherCa.toString()))) {
        tls.resetCounters();
        try (KeyManagementService kms = client(untrusted)) {
          KmsException e = fails(Reason.MISCONFIGURED,
              () -> kms.generateDataKey("orders", ctx("orders")));
          assertTrue(e.getMessage().contains("TLS with https://127.0.0.1"), e.getMessage());
        }
        assertEquals(0, tls.calls("datakey/plaintext"), "no request over an unverified channel");
      }
    }
    Map<String, Object> plainHttp = config();
    plainHttp.put("envelope.kms.vault.tls.ca.file", ca.toString());
    assertThrows(ConfigException.class, () -> client(plainHttp), "TLS files with http://");
    Path pkcs1 = dir.resolve("rsa.pem");
    Files.writeString(pkcs1, "-----BEGIN RSA PRIVATE KEY-----\nTUlJQ1NFQ1JFVA==\n"
        + "-----END RSA PRIVATE KEY-----\n");
    Map<String, Object> badKey = with(config(), "envelope.kms.vault.address",
        "https://127.0.0.1:8200");
    badKey.put("envelope.kms.vault.tls.client.cert.file", cert.toString());
    badKey.put("envelope.kms.vault.tls.client.key.file", pkcs1.toString());
    ConfigException ce = assertThrows(ConfigException.class, () -> client(badKey));
    assertTrue(ce.getMessage().contains("PKCS#8") && !ce.getMessage().contains("TUlJQ1NF"),
        ce.getMessage());
  }

  @Test
  void invalidSettingsAreRefusedAtConfigureTimeWithoutEchoingSecrets() {
    assertThrows(ConfigException.class, () -> client(without(config(),
        "envelope.kms.vault.address")));
    assertThrows(ConfigException.class, () -> client(with(config(), "envelope.kms.vault.address",
        "vault:8200")));
    assertThrows(ConfigException.class, () -> client(with(config(), "envelope.kms.vault.address",
        "https://vault:8200/v1")));
    assertThrows(ConfigException.class, () -> client(without(config(),
        "envelope.kms.vault.token")));
    assertThrows(ConfigException.class, () -> client(with(config(),
        "envelope.kms.vault.transit.mount", "../sys")));
    assertThrows(ConfigException.class, () -> client(with(config(),
        "envelope.kms.vault.auth.method", "userpass")));
    assertThrows(ConfigException.class, () -> client(with(config(),
        "envelope.kms.vault.max.attempts", "0")));
    Map<String, Object> halfAppRole = appRole();
    halfAppRole.remove("envelope.kms.vault.approle.role.id");
    assertFalse(assertThrows(ConfigException.class, () -> client(halfAppRole)).getMessage()
        .contains(SECRET_ID));
    Map<String, Object> tokenAndAppRole = appRole();
    tokenAndAppRole.put("envelope.kms.vault.token", ROOT_TOKEN);
    assertFalse(assertThrows(ConfigException.class, () -> client(tokenAndAppRole)).getMessage()
        .contains(ROOT_TOKEN));
    Map<String, Object> certOnly = with(config(), "envelope.kms.vault.address",
        "https://127.0.0.1:8200");
    certOnly.put("envelope.kms.vault.tls.client.cert.file", "/nonexistent.pem");
    assertThrows(ConfigException.class, () -> client(certOnly));
  }

  /** Waits for the {@code n}th call of {@code op} (woken by the call, bounded generously). */
  static void awaitCalls(String op, int n) throws InterruptedException {
    vault.awaitCalls(op, n, 30_000);
    assertEquals(n, vault.calls(op), op);
  }

  static Map<String, Object> with(Map<String, Object> c, String k, Object v) {
    Map<String, Object> m = new HashMap<>(c);
    m.put(k, v);
    return m;
  }

  static Map<String, Object> without(Map<String, Object> c, String k) {
    Map<String, Object> m = new HashMap<>(c);
    m.remove(k);
    return m;
  }

  static String stackTrace(Throwable t) {
    StringWriter w = new StringWriter();
    t.printStackTrace(new PrintWriter(w));
    return w.toString();
  }
}
