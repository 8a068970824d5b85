package io.kafkaenvelope.kms.gcp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.kafkaenvelope.kms.DataKey;
import io.kafkaenvelope.kms.EncryptionContext;
import io.kafkaenvelope.kms.KeyManagementService;
import io.kafkaenvelope.kms.KmsException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLSocketFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Workload identity federation: an external-account credentials file whose subject token (a file,
 * as on Kubernetes or another cloud) is exchanged at a loopback STS for a Google access token,
 * which the fake KMS accepts as the federated principal. Google's auth library does the exchange.
 */
class GcpWorkloadIdentityTest {

  static final String AUDIENCE = "//iam.googleapis.com/projects/123456789012/locations/global/"
      + "workloadIdentityPools/kafka/providers/k8s";
  static final String SUBJECT_TOKEN = "eyJ.subject-token-from-the-platform.sig-0001";
  static final String ACCESS_TOKEN = "ya29.federated-access-token-never-logged-0001";
  static final String PRINCIPAL = "principal://iam.googleapis.com/projects/123456789012/"
      + "locations/global/workloadIdentityPools/kafka/subject/system:serviceaccount:app";

  static FakeGcpKms fake;
  static HttpsServer sts;
  static SSLSocketFactory previousDefault;
  static final AtomicInteger exchanges = new AtomicInteger();
  static volatile boolean refuse;
  static String key;
  static Path credentials;

  @BeforeAll
  static void start() throws Exception {
    fake = new FakeGcpKms();
    fake.acceptToken(ACCESS_TOKEN, PRINCIPAL);
    FakeGcpKms.addSecret(SUBJECT_TOKEN);
    key = fake.createKey("federated");
    // Google's auth library insists on an https token URL and uses the JVM's default HTTPS
    // socket factory: trust the fake's CA for this class only
    previousDefault = HttpsURLConnection.getDefaultSSLSocketFactory();
    HttpsURLConnection.setDefaultSSLSocketFactory(fake.pki().clientContext().getSocketFactory());
    sts = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    sts.setHttpsConfigurator(new HttpsConfigurator(fake.pki().serverContext()));
    sts.createContext("/v1/token", ex -> {
      Map<String, String> form = new HashMap<>();
      for (String kv : new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)
          .split("&")) {
        int eq = kv.indexOf('=');
        form.put(URLDecoder.decode(kv.substring(0, eq), StandardCharsets.UTF_8),
            URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8));
      }
      boolean ok = !refuse && SUBJECT_TOKEN.equals(form.get("subject_token"))
          && AUDIENCE.equals(form.get("audience"))
          && "urn:ietf:params:oauth:grant-type:token-exchange".equals(form.get("grant_type"))
          && form.getOrDefault("scope", "").contains("cloud-platform");
      exchanges.incrementAndGet();
      JsonObject body = new JsonObject();
      if (ok) {
        body.addProperty("access_token", ACCESS_TOKEN);
        body.addProperty("issued_token_type", "urn:ietf:params:oauth:token-type:access_token");
        body.addProperty("token_type", "Bearer");
        body.addProperty("expires_in", 3600);
      } else {
        body.addProperty("error", "invalid_grant");
        body.addProperty("error_description", "The subject token was refused.");
      }
      byte[] out = body.toString().getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().add("Content-Type", "application/json");
      ex.sendResponseHeaders(ok ? 200 : 400, out.length);
      try (OutputStream os = ex.getResponseBody()) {
        os.write(out);
      }
    });
    sts.start();
    Path token = Files.writeString(Files.createTempFile(fake.dir().toPath(), "subject", ".jwt"),
        SUBJECT_TOKEN);
    JsonObject source = new JsonObject();
    source.addProperty("file", token.toString());
    JsonObject c = new JsonObject();
    c.addProperty("type", "external_account");
    c.addProperty("audience", AUDIENCE);
    c.addProperty("subject_token_type", "urn:ietf:params:oauth:token-type:jwt");
    c.addProperty("token_url", "https://127.0.0.1:" + sts.getAddress().getPort() + "/v1/token");
    c.add("credential_source", source);
    credentials = Files.writeString(Files.createTempFile(fake.dir().toPath(), "wif", ".json"),
        c.toString());
  }

  @AfterAll
  static void stop() {
    sts.stop(0);
    HttpsURLConnection.setDefaultSSLSocketFactory(previousDefault);
    fake.close();
  }

  @Test
  void theSubjectTokenIsExchangedOnceAndTheFederatedPrincipalCallsKms() {
    fake.resetCounters();
    exchanges.set(0);
    try (KeyManagementService kms = new GcpKmsProvider().create(
        GcpKmsTest.config(fake, credentials))) {
      EncryptionContext ctx = EncryptionContext.forDek(key);
      DataKey dk = kms.generateDataKey(key, ctx);
      assertArrayEquals(dk.plaintext(), kms.unwrap(key, dk.wrapped(), ctx));
      assertEquals(List.of(PRINCIPAL, PRINCIPAL), fake.principals());
      assertEquals(1, exchanges.get(), "the access token is cached until it expires");
      assertTrue(kms.describe().contains("workload identity federation"), kms.describe());
    }
  }

  @Test
  void aRefusedExchangeFailsClosedWithoutReachingKms() {
    fake.resetCounters();
    refuse = true;
    try (KeyManagementService kms = new GcpKmsProvider().create(
        GcpKmsTest.config(fake, credentials))) {
      KmsException e = assertThrows(KmsException.class,
          () -> kms.generateDataKey(key, EncryptionContext.forDek(key)));
      assertTrue(e.getMessage().contains("invalid_grant"), e.getMessage());
      assertEquals(KmsException.Reason.ACCESS_DENIED, e.reason(), e.getMessage());
      assertEquals(0, fake.calls("Encrypt"), "no token, no call");
      assertEquals(0, fake.calls("unauthenticated"), "gRPC failed the call before sending it");
      assertTrue(exchanges.get() >= 1);
    } finally {
      refuse = false;
    }
  }
}
