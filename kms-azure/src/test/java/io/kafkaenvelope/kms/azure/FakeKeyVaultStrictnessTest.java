package io.kafkaenvelope.kms.azure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The fake refuses what real Key Vault refuses, so the SDK tests prove something: no token, a
 * wrong token, no api-version, an algorithm the key type does not support, a missing version.
 */
class FakeKeyVaultStrictnessTest {

  static FakeKeyVault kv;
  static HttpClient http;
  static String version;

  @BeforeAll
  static void start() throws Exception {
    kv = new FakeKeyVault(TestCredential.TOKEN);
    version = kv.createKey("strict", true);
    http = HttpClient.newBuilder().sslContext(AzureClients.trusting(kv.caFile())).build();
  }

  @AfterAll
  static void stop() {
    kv.close();
  }

  private static HttpResponse<String> post(String path, String token, String body)
      throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(kv.vaultUrl() + path))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void unauthenticatedRequestsGetKeyVaultsChallengeAndWrongTokensAreRefused() throws Exception {
    kv.resetCounters();
    String body = "{\"alg\":\"RSA-OAEP-256\",\"value\":\"AAAA\"}";
    HttpResponse<String> none = post("/keys/strict/wrapkey?api-version=7.6", null, body);
    assertEquals(401, none.statusCode());
    String challenge = none.headers().firstValue("WWW-Authenticate").orElse("");
    assertTrue(challenge.startsWith("Bearer authorization=\"https://login.microsoftonline.com/"),
        challenge);
    assertTrue(challenge.contains("resource=\"https://vault.azure.net\""), challenge);
    assertEquals(401, post("/keys/strict/wrapkey?api-version=7.6", "forged", body).statusCode());
    assertEquals(0, kv.calls("wrapkey"));
  }

  @Test
  void apiVersionAlgorithmAndVersionAreChecked() throws Exception {
    String t = TestCredential.TOKEN;
    String rsa = "{\"alg\":\"RSA-OAEP-256\",\"value\":\"AAAA\"}";
    assertEquals(400, post("/keys/strict/wrapkey", t, rsa).statusCode());
    HttpResponse<String> kw = post("/keys/strict/wrapkey?api-version=7.6", t,
        "{\"alg\":\"A256KW\",\"value\":\"AAAA\"}");
    assertEquals(400, kw.statusCode());
    assertTrue(kw.body().contains("BadParameter"), kw.body());
    HttpResponse<String> missing = post("/keys/strict/0000/unwrapkey?api-version=7.6", t, rsa);
    assertEquals(404, missing.statusCode());
    assertTrue(missing.body().contains("KeyNotFound"), missing.body());
    HttpResponse<String> ok = post("/keys/strict/" + version + "/wrapkey?api-version=7.6", t, rsa);
    assertEquals(200, ok.statusCode(), ok.body());
    assertTrue(ok.body().contains("/keys/strict/" + version), ok.body());
  }

  /**
   * Sign takes a digest of the algorithm's hash length, answers Key Vault's {@code kid} and
   * base64url value, and the PS256 signature verifies with the JDK over the digested message.
   */
  @Test
  void signTakesADigestAndMakesAPs256SignatureTheJdkVerifies() throws Exception {
    String t = TestCredential.TOKEN;
    byte[] message = "what the producer signs".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    byte[] digest = java.security.MessageDigest.getInstance("SHA-256").digest(message);
    String b64 = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
    String path = "/keys/strict/" + version + "/sign?api-version=7.6";
    assertEquals(400, post(path, t, "{\"alg\":\"RS256\",\"value\":\"" + b64 + "\"}")
        .statusCode(), "only PS256 is served; another algorithm is refused, not mis-signed");
    assertEquals(400, post(path, t, "{\"alg\":\"PS256\",\"value\":\"AAAA\"}").statusCode(),
        "a digest of the wrong length");
    HttpResponse<String> ok = post(path, t, "{\"alg\":\"PS256\",\"value\":\"" + b64 + "\"}");
    assertEquals(200, ok.statusCode(), ok.body());
    com.fasterxml.jackson.databind.JsonNode res =
        new com.fasterxml.jackson.databind.ObjectMapper().readTree(ok.body());
    assertTrue(res.path("kid").asText().endsWith("/keys/strict/" + version), ok.body());
    java.security.Signature v = java.security.Signature.getInstance("RSASSA-PSS");
    v.setParameter(AzureSignatureVerifier.PS256);
    v.initVerify(kv.publicKey("strict"));
    v.update(message);
    assertTrue(v.verify(java.util.Base64.getUrlDecoder().decode(res.path("value").asText())));
    kv.createKey("strict-hsm", false);
    assertEquals(400, post("/keys/strict-hsm/sign?api-version=7.6", t,
        "{\"alg\":\"PS256\",\"value\":\"" + b64 + "\"}").statusCode(), "oct-HSM keys do not sign");
  }
}
