package io.kafkaenvelope.kms.azure;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkaenvelope.kms.DataKey;
import io.kafkaenvelope.kms.EncryptionContext;
import io.kafkaenvelope.kms.KeyManagementService;
import io.kafkaenvelope.kms.KmsException;
import io.kafkaenvelope.kms.KmsException.Reason;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The module's operations through the real Azure SDK against {@link FakeKeyVault}. */
class AzureKeyVaultKmsTest {

  static FakeKeyVault kv;

  @BeforeAll
  static void start() throws Exception {
    kv = new FakeKeyVault(TestCredential.TOKEN);
    kv.createKey("orders", true);
    kv.createKey("hsm-orders", false);
  }

  @AfterAll
  static void stop() {
    kv.close();
  }

  @BeforeEach
  void reset() {
    kv.resetCounters();
    kv.clearFailures();
    kv.deny(null);
    kv.acceptToken(TestCredential.TOKEN);
    TestCredential.token = TestCredential.TOKEN;
  }

  /** The settings every test starts from: the test credential, the fake's CA, fast retries. */
  static Map<String, Object> config(FakeKeyVault vault) {
    Map<String, Object> c = new HashMap<>();
    c.put("envelope.kms.azure.credential", "custom");
    c.put("envelope.kms.azure.credential.class", TestCredential.class.getName());
    c.put("envelope.kms.azure.tls.ca.file", vault.caFile());
    c.put("envelope.kms.azure.verify.challenge.resource", "false");
    c.put("envelope.kms.azure.retry.backoff.ms", "1");
    c.put("envelope.kms.azure.retry.max.backoff.ms", "5");
    return c;
  }

  private static KeyManagementService kms(Map<String, Object> overrides) {
    Map<String, Object> c = config(kv);
    c.putAll(overrides);
    return new AzureKeyVaultProvider().create(c);
  }

  private static KeyManagementService kms() {
    return kms(Map.of());
  }

  private static KmsException fails(Runnable r) {
    return assertThrows(KmsException.class, r::run);
  }

  /**
   * A vault of its own: the SDK caches a vault's challenge per host and port for the JVM, so only
   * a host it has not met yet shows the whole flow.
   */
  @Test
  void rsaKeyWrapsWithOneCallAndUnwrapsTheSameKeyAfterAuthenticating() throws Exception {
    try (FakeKeyVault fresh = new FakeKeyVault(TestCredential.TOKEN)) {
      fresh.createKey("orders", true);
      Map<String, Object> c = config(fresh);
      try (KeyManagementService k = new AzureKeyVaultProvider().create(c)) {
        wrapsAndUnwraps(fresh, k);
      }
    }
  }

  private static void wrapsAndUnwraps(FakeKeyVault kv, KeyManagementService k) {
    String kek = kv.keyUrl("orders");
    EncryptionContext ctx = EncryptionContext.forDek(kek);
    int tokensBefore = TestCredential.CALLS.get();
    {
      DataKey dk = k.generateDataKey(kek, ctx);
      assertEquals(kv.currentVersion("orders"), dk.kekVersion());
      assertEquals(1, kv.calls("get"), "auto: the key type is read once");
      assertEquals(1, kv.calls("wrapkey"));
      assertEquals(1, kv.calls("sign"), "the writer signature");
      assertEquals(1, kv.calls("challenge"), "the SDK met Key Vault's challenge once");
      assertTrue(TestCredential.CALLS.get() > tokensBefore, "and asked the credential");
      assertTrue(TestCredential.SCOPES.contains("https://vault.azure.net/.default"),
          TestCredential.SCOPES.toString());
      assertTrue(TestCredential.TENANTS.contains(FakeKeyVault.TENANT));
      assertEquals(0, kv.calls("rejected-token"));
      assertArrayEquals(dk.plaintext(), k.unwrap(kek, dk.wrapped(), ctx));
      assertEquals(1, kv.calls("unwrapkey"));
      assertEquals(2, kv.calls("get"), "+ the version's public key");
      DataKey second = k.generateDataKey(kek, ctx);
      assertEquals(2, kv.calls("get"), "the key type is cached");
      assertEquals(2, kv.calls("wrapkey"));
      assertEquals(2, kv.calls("sign"));
      assertArrayEquals(second.plaintext(), k.unwrap(kek, second.wrapped(), ctx));
      assertEquals(2, kv.calls("get"), "the public key is cached");
      assertEquals(2, kv.calls("unwrapkey"));
    }
  }

  @Test
  void managedHsmOctKeyUsesA256kwAndTheWrappedKeyRecordsIt() {
    String kek = kv.keyUrl("hsm-orders");
    EncryptionContext ctx = EncryptionContext.forDek(kek);
    try (KeyManagementService k = kms()) {
      DataKey dk = k.generateDataKey(kek, ctx);
      AzureWrappedKey w = AzureWrappedKey.parse(dk.wrapped());
      assertEquals(AzureWrappedKey.A256KW, w.algorithm);
      assertEquals(72, w.wrapped.length, "AES key wrap of the 64-byte payload");
      assertEquals(null, w.signature, "no writer signature: A256KW needs the secret key");
      assertEquals(0, kv.calls("sign"));
      assertArrayEquals(dk.plaintext(), k.unwrap(kek, dk.wrapped(), ctx));
    }
  }

  @Test
  void aConfiguredAlgorithmNeedsNoKeyReadAndAMismatchIsRefusedByKeyVault() {
    String kek = kv.keyUrl("orders");
    try (KeyManagementService k = kms(Map.of("envelope.kms.azure.wrap.algorithm",
        "RSA-OAEP-256"))) {
      k.generateDataKey(kek, EncryptionContext.forDek(kek));
      assertEquals(0, kv.calls("get"));
    }
    try (KeyManagementService k = kms(Map.of("envelope.kms.azure.wrap.algorithm", "A256KW"))) {
      KmsException e = fails(() -> k.generateDataKey(kek, EncryptionContext.forDek(kek)));
      assertEquals(Reason.MISCONFIGURED, e.reason(), e.getMessage());
    }
  }

  @Test
  void rotationWrapsUnderTheNewVersionAndOldWrappedKeysStillUnwrap() {
    kv.createKey("rotating", true);
    String kek = kv.keyUrl("rotating");
    EncryptionContext ctx = EncryptionContext.forDek(kek);
    try (KeyManagementService k = kms()) {
      DataKey before = k.generateDataKey(kek, ctx);
      String v2 = kv.rotate("rotating");
      DataKey after = k.generateDataKey(kek, ctx);
      assertNotEquals(before.kekVersion(), after.kekVersion());
      assertEquals(v2, after.kekVersion());
      assertArrayEquals(before.plaintext(), k.unwrap(kek, before.wrapped(), ctx));
      assertArrayEquals(after.plaintext(), k.unwrap(kek, after.wrapped(), ctx));
    }
  }

  @Test
  void aVersionedKekWrapsUnderThatVersionOnlyAndRefusesOtherVersionsWithoutACall() {
    kv.createKey("pinned", true);
    String v1 = kv.currentVersion("pinned");
    String pinned = kv.keyUrl("pinned") + "/" + v1;
    kv.rotate("pinned");
    try (KeyManagementService k = kms()) {
      DataKey dk = k.generateDataKey(pinned, EncryptionContext.forDek(pinned));
      assertEquals(v1, dk.kekVersion());
      String latest = kv.keyUrl("pinned");
      DataKey other = k.generateDataKey(latest, EncryptionContext.forDek(latest));
      kv.resetCounters();
      KmsException e = fails(() -> k.unwrap(pinned, other.wrapped(),
          EncryptionContext.forDek(pinned)));
      assertEquals(Reason.INVALID_CIPHERTEXT, e.reason());
      assertEquals(0, kv.calls("unwrapkey"), "refused before Key Vault");
    }
  }

  @Test
  void aWrappedKeyIsBoundToItsKekIdTamperingAndForeignBlobsAreRefused() {
    String kek = kv.keyUrl("orders");
    try (KeyManagementService k = kms()) {
      DataKey dk = k.generateDataKey(kek, EncryptionContext.forDek(kek));
      // the same key spelt with a trailing slash is another KEK id: the context differs
      KmsException moved = fails(() -> k.unwrap(kek + "/", dk.wrapped(),
          EncryptionContext.forDek(kek + "/")));
      assertEquals(Reason.INVALID_CIPHERTEXT, moved.reason(), moved.getMessage());
      byte[] tampered = dk.wrapped();
      tampered[tampered.length - 1] ^= 1;
      KmsException t = fails(() -> k.unwrap(kek, tampered, EncryptionContext.forDek(kek)));
      assertEquals(Reason.INVALID_CIPHERTEXT, t.reason(), t.getMessage());
      kv.resetCounters();
      KmsException junk = fails(() -> k.unwrap(kek, "vault:v1:abc".getBytes(),
          EncryptionContext.forDek(kek)));
      assertEquals(Reason.INVALID_CIPHERTEXT, junk.reason());
      assertEquals(0, kv.calls("unwrapkey"));
      // a DEK wrapped under another key does not unwrap under this one
      String hsm = kv.keyUrl("hsm-orders");
      DataKey foreign = k.generateDataKey(hsm, EncryptionContext.forDek(kek));
      KmsException f = fails(() -> k.unwrap(kek, foreign.wrapped(),
          EncryptionContext.forDek(kek)));
      assertTrue(f.reason() == Reason.KEY_NOT_FOUND || f.reason() == Reason.INVALID_CIPHERTEXT,
          f.getMessage());
    }
  }

  /**
   * RSA wrapping is a public-key operation: a writer who read the key's public part (any
   * identity with 'get') can wrap a DEK of its choosing and compute the context digest. Such a
   * wrapped DEK has no Key Vault writer signature, so it is refused before any Key Vault call;
   * signed with the forger's own RSA key instead, it fails verification under the KEK version's
   * public key, again before any unwrapKey. Only with the writer signature explicitly off does the
   * old, documented limitation come back.
   */
  @Test
  void anRsaWrappedKeyForgedWithThePublicKeyIsRefusedBeforeAnyUnwrap() throws Exception {
    String kek = kv.keyUrl("orders");
    EncryptionContext ctx = EncryptionContext.forDek(kek);
    byte[] chosen = new byte[32];
    java.util.Arrays.fill(chosen, (byte) 0x5a);
    javax.crypto.Cipher rsa = javax.crypto.Cipher.getInstance("RSA/ECB/OAEPPadding");
    rsa.init(javax.crypto.Cipher.ENCRYPT_MODE, kv.publicKey("orders"),
        new javax.crypto.spec.OAEPParameterSpec("SHA-256", "MGF1",
            java.security.spec.MGF1ParameterSpec.SHA256,
            javax.crypto.spec.PSource.PSpecified.DEFAULT));
    AzureWrappedKey forgedKey = new AzureWrappedKey(AzureWrappedKey.RSA_OAEP_256,
        kv.currentVersion("orders"), rsa.doFinal(AzureWrappedKey.payload(chosen, ctx)));
    byte[] unsigned = forgedKey.encode();
    java.security.KeyPairGenerator g = java.security.KeyPairGenerator.getInstance("RSA");
    g.initialize(2048);
    byte[] selfSigned = forgedKey.signed(FakeKeyVault.ps256(g.generateKeyPair().getPrivate(),
        forgedKey.signedData(ctx))).encode();
    try (KeyManagementService k = kms()) {
      kv.resetCounters();
      KmsException e = fails(() -> k.unwrap(kek, unsigned, ctx));
      assertEquals(Reason.INVALID_CIPHERTEXT, e.reason(), e.getMessage());
      assertTrue(e.getMessage().contains("envelope.kms.azure.rsa.writer.signature"),
          e.getMessage());
      assertEquals(0, kv.calls("get") + kv.calls("unwrapkey"), "refused without a call");
      KmsException s = fails(() -> k.unwrap(kek, selfSigned, ctx));
      assertEquals(Reason.INVALID_CIPHERTEXT, s.reason(), s.getMessage());
      assertEquals(1, kv.calls("get"), "the KEK version's public key, read once");
      assertEquals(0, kv.calls("unwrapkey"), "refused before unwrapKey");
    }
    try (KeyManagementService off = kms(Map.of("envelope.kms.azure.rsa.writer.signature",
        "false"))) {
      assertArrayEquals(chosen, off.unwrap(kek, unsigned, ctx),
          "with the signature turned off, the documented limitation is back");
    }
  }

  @Test
  void aForgedOctHsmWrappedKeyIsRefused() {
    String kek = kv.keyUrl("hsm-orders");
    EncryptionContext ctx = EncryptionContext.forDek(kek);
    byte[] guess = new byte[72];
    java.util.Arrays.fill(guess, (byte) 0x11);
    byte[] forged = new AzureWrappedKey(AzureWrappedKey.A256KW, kv.currentVersion("hsm-orders"),
        guess).encode();
    try (KeyManagementService k = kms()) {
      KmsException e = fails(() -> k.unwrap(kek, forged, ctx));
      assertEquals(Reason.INVALID_CIPHERTEXT, e.reason(), e.getMessage());
    }
  }

  @Test
  void disabledMissingAndDeniedKeysAreTypedAndNotRetried() {
    kv.createKey("disabled", true);
    String disabled = kv.keyUrl("disabled");
    try (KeyManagementService k = kms(Map.of("envelope.kms.azure.wrap.algorithm",
        "RSA-OAEP-256"))) {
      DataKey dk = k.generateDataKey(disabled, EncryptionContext.forDek(disabled));
      kv.setEnabled("disabled", false);
      kv.resetCounters();
      KmsException w = fails(() -> k.generateDataKey(disabled,
          EncryptionContext.forDek(disabled)));
      assertEquals(Reason.KEY_DISABLED, w.reason(), w.getMessage());
      KmsException u = fails(() -> k.unwrap(disabled, dk.wrapped(),
          EncryptionContext.forDek(disabled)));
      assertEquals(Reason.KEY_DISABLED, u.reason(), u.getMessage());
      assertEquals(1, kv.calls("wrapkey"));
      assertEquals(1, kv.calls("get"), "the public key to verify the writer signature");
      assertEquals(0, kv.calls("unwrapkey"), "Key Vault refused the read already");

      String missing = kv.keyUrl("no-such-key");
      KmsException m = fails(() -> k.generateDataKey(missing, EncryptionContext.forDek(missing)));
      assertEquals(Reason.KEY_NOT_FOUND, m.reason(), m.getMessage());
      assertEquals(2, kv.calls("wrapkey"), "404 is not retried");

      String kek = kv.keyUrl("orders");
      kv.deny("wrapkey");
      KmsException d = fails(() -> k.generateDataKey(kek, EncryptionContext.forDek(kek)));
      assertEquals(Reason.ACCESS_DENIED, d.reason(), d.getMessage());
      assertTrue(d.getMessage().contains("ForbiddenByRbac"), d.getMessage());
      assertTrue(d.getMessage().contains(kek), d.getMessage());
      assertEquals(3, kv.calls("wrapkey"), "403 is not retried");
    }
  }

  @Test
  void aProxysBare404IsNeverTakenForAMissingKey() {
    String kek = kv.vaultUrl() + "/keys/orders";
    // the fake's router answers 404 NotFound (not KeyNotFound) for a path it does not serve
    assertEquals(Reason.MISCONFIGURED, AzureKeyVaultKms.reasonOf(404,
        java.util.Set.of("NotFound"), "no route", false));
    assertEquals(Reason.KEY_NOT_FOUND, AzureKeyVaultKms.reasonOf(404,
        java.util.Set.of("KeyNotFound"), "", false));
    assertEquals(Reason.INVALID_CIPHERTEXT, AzureKeyVaultKms.reasonOf(400,
        java.util.Set.of("BadParameter"), "", true));
    assertEquals(Reason.MISCONFIGURED, AzureKeyVaultKms.reasonOf(400,
        java.util.Set.of("BadParameter"), "", false));
    assertEquals(Reason.UNAVAILABLE, AzureKeyVaultKms.reasonOf(503, java.util.Set.of(), "",
        false));
    assertTrue(kek.startsWith("https://127.0.0.1:"));
  }

  /** An HTTP answer of the given status, for mapping tests. */
  private static com.azure.core.http.HttpResponse answer(int status) {
    com.azure.core.http.HttpRequest req = new com.azure.core.http.HttpRequest(
        com.azure.core.http.HttpMethod.POST, "https://login.microsoftonline.com/t/token");
    return new com.azure.core.http.HttpResponse(req) {
      @Override
      public int getStatusCode() {
        return status;
      }

      @Override
      @SuppressWarnings("deprecation")
      public String getHeaderValue(String name) {
        return null;
      }

      @Override
      public com.azure.core.http.HttpHeaders getHeaders() {
        return new com.azure.core.http.HttpHeaders();
      }

      @Override
      public reactor.core.publisher.Flux<java.nio.ByteBuffer> getBody() {
        return reactor.core.publisher.Flux.empty();
      }

      @Override
      public reactor.core.publisher.Mono<byte[]> getBodyAsByteArray() {
        return reactor.core.publisher.Mono.empty();
      }

      @Override
      public reactor.core.publisher.Mono<String> getBodyAsString() {
        return reactor.core.publisher.Mono.empty();
      }

      @Override
      public reactor.core.publisher.Mono<String> getBodyAsString(
          java.nio.charset.Charset charset) {
        return reactor.core.publisher.Mono.empty();
      }
    };
  }

  @Test
  void entraAndCredentialFailuresAreNeverTakenForAKeyVerdict() {
    KmsException entra = AzureKeyVaultKms.translate(
        new com.azure.core.exception.ClientAuthenticationException(
            "AADSTS7000215: Invalid client secret provided.", answer(400)),
        "k", "unwrapKey (RSA-OAEP-256) on k");
    assertEquals(Reason.ACCESS_DENIED, entra.reason(), "not INVALID_CIPHERTEXT for Entra's 400");
    assertTrue(entra.getMessage().contains("envelope.kms.azure.credential"), entra.getMessage());
    KmsException none = AzureKeyVaultKms.translate(
        new com.azure.identity.CredentialUnavailableException("no managed identity endpoint"),
        "k", "wrapKey on k");
    assertEquals(Reason.MISCONFIGURED, none.reason());
    KmsException io = AzureKeyVaultKms.translate(new java.io.UncheckedIOException(
        new java.net.ConnectException("refused")), "k", "wrapKey on k");
    assertEquals(Reason.UNAVAILABLE, io.reason());
  }

  @Test
  void throttlingIsRetriedWithACappedRetryAfterThenReportedAsThrottled() {
    String kek = kv.keyUrl("orders");
    try (KeyManagementService k = kms(Map.of("envelope.kms.azure.wrap.algorithm",
        "RSA-OAEP-256", "envelope.kms.azure.max.retries", "2"))) {
      k.generateDataKey(kek, EncryptionContext.forDek(kek)); // authenticated already
      kv.resetCounters();
      kv.failNext(2, 429, 30); // 30 s asked; capped at retry.max.backoff.ms (5 ms)
      long start = System.nanoTime();
      k.generateDataKey(kek, EncryptionContext.forDek(kek));
      long ms = (System.nanoTime() - start) / 1_000_000;
      assertEquals(3, kv.calls("wrapkey"), "two 429s, then success");
      assertTrue(ms < 20_000, "Retry-After was capped, not slept for 60 s: " + ms + " ms");

      kv.resetCounters();
      kv.failNext(10, 429, 1);
      KmsException e = fails(() -> k.generateDataKey(kek, EncryptionContext.forDek(kek)));
      assertEquals(Reason.THROTTLED, e.reason(), e.getMessage());
      assertEquals(3, kv.calls("wrapkey"), "bounded: 1 + max.retries");
      kv.clearFailures();

      kv.resetCounters();
      kv.failNext(10, 503, 0);
      KmsException u = fails(() -> k.generateDataKey(kek, EncryptionContext.forDek(kek)));
      assertEquals(Reason.UNAVAILABLE, u.reason(), u.getMessage());
      assertEquals(3, kv.calls("wrapkey"));
      kv.clearFailures();
    }
  }

  @Test
  void aStalledKeyVaultTimesOutAsUnavailable() {
    String kek = kv.keyUrl("orders");
    try (KeyManagementService k = kms(Map.of("envelope.kms.azure.wrap.algorithm",
        "RSA-OAEP-256", "envelope.kms.azure.max.retries", "0",
        "envelope.kms.azure.request.timeout.ms", "1500"))) {
      kv.stall();
      try {
        KmsException e = fails(() -> k.generateDataKey(kek, EncryptionContext.forDek(kek)));
        assertEquals(Reason.UNAVAILABLE, e.reason(), e.getMessage());
        assertEquals(1, kv.calls("wrapkey"), "the request reached Key Vault and was held");
      } finally {
        kv.release();
      }
    }
  }

  @Test
  void aTokenKeyVaultRejectsIsAccessDenied() {
    String kek = kv.keyUrl("orders");
    kv.acceptToken("another-token");
    try (KeyManagementService k = kms(Map.of("envelope.kms.azure.wrap.algorithm",
        "RSA-OAEP-256"))) {
      KmsException e = fails(() -> k.generateDataKey(kek, EncryptionContext.forDek(kek)));
      assertEquals(Reason.ACCESS_DENIED, e.reason(), e.getMessage());
      assertFalse(e.getMessage().contains(TestCredential.TOKEN));
      assertEquals(0, kv.calls("wrapkey"), "never got past authentication");
    }
  }

  @Test
  void challengeResourceVerificationIsOnByDefaultAndRefusesAHostOutsideKeyVault()
      throws Exception {
    try (FakeKeyVault fresh = new FakeKeyVault(TestCredential.TOKEN)) {
      fresh.createKey("orders", true);
      verificationRefuses(fresh);
    }
  }

  private static void verificationRefuses(FakeKeyVault kv) {
    String kek = kv.keyUrl("orders");
    Map<String, Object> c = config(kv);
    c.remove("envelope.kms.azure.verify.challenge.resource");
    c.put("envelope.kms.azure.wrap.algorithm", "RSA-OAEP-256");
    int tokens = TestCredential.CALLS.get();
    try (KeyManagementService k = new AzureKeyVaultProvider().create(c)) {
      KmsException e = fails(() -> k.generateDataKey(kek, EncryptionContext.forDek(kek)));
      assertEquals(Reason.MISCONFIGURED, e.reason(), e.getMessage());
    }
    assertEquals(1, kv.calls("challenge"));
    assertEquals(0, kv.calls("wrapkey"));
    assertEquals(tokens, TestCredential.CALLS.get(), "no token was requested for 127.0.0.1");
  }

  @Test
  void aKekIdThatIsNoKeyUrlIsMisconfigured() {
    try (KeyManagementService k = kms()) {
      for (String bad : new String[] {"orders", "http://127.0.0.1/keys/orders",
          kv.vaultUrl() + "/secrets/orders", kv.keyUrl("orders") + "?x=1"}) {
        KmsException e = fails(() -> k.generateDataKey(bad, EncryptionContext.forDek(bad)));
        assertEquals(Reason.MISCONFIGURED, e.reason(), bad);
      }
    }
    assertEquals(0, kv.calls("wrapkey") + kv.calls("challenge"));
  }
}
