package io.kafkaenvelope.kms.azure;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.MGF1ParameterSpec;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.Date;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.crypto.Cipher;
import javax.crypto.KeyGenerator;
import javax.crypto.SecretKey;
import javax.crypto.spec.OAEPParameterSpec;
import javax.crypto.spec.PSource;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.engines.RSABlindedEngine;
import org.bouncycastle.crypto.params.ParametersWithRandom;
import org.bouncycastle.crypto.signers.PSSSigner;
import org.bouncycastle.crypto.util.PrivateKeyFactory;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A loopback HTTPS server speaking the parts of the Azure Key Vault / Managed HSM REST API the
 * module uses, so the real Azure SDK (CryptographyClient, its bearer-challenge policy, azure-core's
 * pipeline and the JDK HTTP client) runs against it: {@code GET /keys/{name}[/{version}]} (with
 * an RSA key's public part, {@code n} and {@code e}),
 * {@code POST /keys/{name}[/{version}]/wrapkey}, {@code .../unwrapkey} and {@code .../sign}
 * (PS256 over a base64url digest), all requiring
 * {@code api-version}. A request without a bearer token gets Key Vault's 401 challenge
 * ({@code WWW-Authenticate: Bearer authorization="...", resource="https://vault.azure.net"}); a
 * request with a token other than the accepted one gets 401 too. RSA keys wrap with real
 * RSA-OAEP-256, oct-HSM keys with real AES key wrap (A256KW); keys have versions, rotate, and can
 * be disabled. Errors use Key Vault's JSON error body and codes. Fault injection: queued statuses
 * (429 with Retry-After, 5xx), per-operation denial (403 ForbiddenByRbac), and a stall.
 */
final class FakeKeyVault implements AutoCloseable {

  static final String TENANT = "72f988bf-0000-0000-0000-000000000001";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final List<byte[]> ISSUED = Collections.synchronizedList(new ArrayList<>());
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final java.util.Set<Integer> USED_PORTS = ConcurrentHashMap.newKeySet();

  /** One key: its type and versions (in creation order; the last is current). */
  private static final class KeyEntry {
    final boolean rsa;
    final LinkedHashMap<String, Object> versions = new LinkedHashMap<>();
    volatile boolean enabled = true;
    /** The key's permitted operations ({@code key_ops}) when restricted, else null. */
    volatile List<String> ops;

    KeyEntry(boolean rsa) {
      this.rsa = rsa;
    }

    String current() {
      String last = null;
      for (String v : versions.keySet()) {
        last = v;
      }
      return last;
    }
  }

  private final HttpsServer server;
  private final ExecutorService executor = Executors.newFixedThreadPool(8);
  private final Path caFile;
  private final Map<String, KeyEntry> keys = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
  private final Deque<int[]> failures = new ArrayDeque<>();
  private volatile String acceptedToken;
  volatile String entraClient;
  volatile String entraSecret;
  private volatile String deniedOperation;
  private volatile CountDownLatch stall;

  FakeKeyVault(String acceptedToken) throws Exception {
    this.acceptedToken = acceptedToken;
    KeyPairGenerator ec = KeyPairGenerator.getInstance("EC");
    ec.initialize(256);
    KeyPair kp = ec.generateKeyPair();
    X500Name name = new X500Name("CN=fake-keyvault");
    long now = System.currentTimeMillis();
    JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name, BigInteger.ONE,
        new Date(now - 3_600_000L), new Date(now + 86_400_000L), name, kp.getPublic());
    b.addExtension(Extension.subjectAlternativeName, false,
        new GeneralNames(new GeneralName(GeneralName.iPAddress, "127.0.0.1")));
    X509Certificate cert = new JcaX509CertificateConverter().getCertificate(
        b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(kp.getPrivate())));
    KeyStore ks = KeyStore.getInstance("PKCS12");
    ks.load(null, null);
    char[] pw = "changeit".toCharArray();
    ks.setKeyEntry("server", kp.getPrivate(), pw, new java.security.cert.Certificate[] {cert});
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(ks, pw);
    SSLContext ssl = SSLContext.getInstance("TLS");
    ssl.init(kmf.getKeyManagers(), null, null);
    caFile = Files.createTempFile("fake-keyvault-ca", ".pem");
    Files.writeString(caFile, "-----BEGIN CERTIFICATE-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
            .encodeToString(cert.getEncoded())
        + "\n-----END CERTIFICATE-----\n");
    server = bindUnusedPort();
    server.setHttpsConfigurator(new HttpsConfigurator(ssl));
    server.createContext("/", this::handle);
    server.setExecutor(executor);
    server.start();
  }

  /**
   * A server on a port no earlier FakeKeyVault of this JVM had: the SDK caches a vault's
   * authentication challenge per host and port for the JVM's lifetime, so a reused port would
   * skip the challenge a test expects to see.
   */
  private static HttpsServer bindUnusedPort() throws IOException {
    while (true) {
      HttpsServer s =
          HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
      if (USED_PORTS.add(s.getAddress().getPort())) {
        return s;
      }
      s.stop(0);
    }
  }

  /** {@code https://127.0.0.1:<port>}: the vault's base URL. */
  String vaultUrl() {
    return "https://127.0.0.1:" + server.getAddress().getPort();
  }

  String keyUrl(String name) {
    return vaultUrl() + "/keys/" + name;
  }

  String caFile() {
    return caFile.toString();
  }

  /** Every DEK a client sent to wrapkey, for the log scan. */
  static List<byte[]> issuedKeys() {
    synchronized (ISSUED) {
      return new ArrayList<>(ISSUED);
    }
  }

  /** Creates an RSA (Key Vault) or oct-HSM (Managed HSM) key with one version; returns it. */
  synchronized String createKey(String name, boolean rsa) {
    keys.put(name, new KeyEntry(rsa));
    return rotate(name);
  }

  /** A new current version of the key; older versions keep unwrapping. */
  synchronized String rotate(String name) {
    KeyEntry k = keys.get(name);
    String version = new BigInteger(128, RANDOM).toString(16);
    while (version.length() < 32) {
      version = "0" + version;
    }
    try {
      if (k.rsa) {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        k.versions.put(version, g.generateKeyPair());
      } else {
        KeyGenerator g = KeyGenerator.getInstance("AES");
        g.init(256);
        k.versions.put(version, g.generateKey());
      }
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
    return version;
  }

  String currentVersion(String name) {
    return keys.get(name).current();
  }

  /** The current version's RSA public key: what {@code GET /keys/{name}} hands to any reader. */
  synchronized java.security.PublicKey publicKey(String name) {
    KeyEntry k = keys.get(name);
    return ((KeyPair) k.versions.get(k.current())).getPublic();
  }

  /**
   * Restricts the key's permitted operations ({@code key_ops}, as created with
   * {@code az keyvault key create --ops}); Key Vault then refuses the others.
   */
  void keyOps(String name, String... ops) {
    keys.get(name).ops = List.of(ops);
  }

  void setEnabled(String name, boolean enabled) {
    keys.get(name).enabled = enabled;
  }

  void acceptToken(String token) {
    this.acceptedToken = token;
  }

  /** Answers the next {@code n} Key Vault operations with {@code status} (and Retry-After). */
  void failNext(int n, int status, int retryAfterSeconds) {
    synchronized (failures) {
      for (int i = 0; i < n; i++) {
        failures.add(new int[] {status, retryAfterSeconds});
      }
    }
  }

  void clearFailures() {
    synchronized (failures) {
      failures.clear();
    }
  }

  /** Answers 403 ForbiddenByRbac to {@code operation} (wrapkey, unwrapkey, sign, get). */
  void deny(String operation) {
    deniedOperation = operation;
  }

  /** Holds every Key Vault operation until {@link #release()}. */
  void stall() {
    stall = new CountDownLatch(1);
  }

  void release() {
    CountDownLatch s = stall;
    stall = null;
    if (s != null) {
      s.countDown();
    }
  }

  /**
   * Requests per kind: "challenge" (401 to a request without token), "wrapkey", "unwrapkey",
   * "sign", "get", "rejected-token".
   */
  int calls(String kind) {
    AtomicInteger c = calls.get(kind);
    return c == null ? 0 : c.get();
  }

  void resetCounters() {
    calls.clear();
  }

  private void count(String kind) {
    calls.computeIfAbsent(kind, k -> new AtomicInteger()).incrementAndGet();
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      byte[] body = ex.getRequestBody().readAllBytes();
      if (ex.getRequestURI().getPath().equals("/" + TENANT + "/oauth2/v2.0/token")) {
        token(ex, new String(body, StandardCharsets.UTF_8));
        return;
      }
      String auth = ex.getRequestHeaders().getFirst("Authorization");
      if (auth == null) {
        count("challenge");
        ex.getResponseHeaders().add("WWW-Authenticate", "Bearer authorization=\""
            + "https://login.microsoftonline.com/" + TENANT + "\", resource=\"https://vault.azure.net\"");
        send(ex, 401, error("Unauthorized", "AKV10000: Request is missing a Bearer or PoP token."));
        return;
      }
      if (!auth.equals("Bearer " + acceptedToken)) {
        count("rejected-token");
        ex.getResponseHeaders().add("WWW-Authenticate", "Bearer authorization=\""
            + "https://login.microsoftonline.com/" + TENANT + "\", resource=\"https://vault.azure.net\"");
        send(ex, 401, error("Unauthorized", "AKV10022: Invalid audience or token."));
        return;
      }
      String query = ex.getRequestURI().getRawQuery();
      if (query == null || !query.contains("api-version=")) {
        send(ex, 400, error("BadParameter", "The api-version query parameter is required."));
        return;
      }
      List<String> seg = new ArrayList<>();
      for (String s : ex.getRequestURI().getPath().split("/")) {
        if (!s.isEmpty()) {
          seg.add(s);
        }
      }
      String method = ex.getRequestMethod();
      String op;
      if (method.equals("GET") && (seg.size() == 2 || seg.size() == 3)) {
        op = "get";
      } else if (method.equals("POST") && (seg.size() == 3 || seg.size() == 4)
          && (seg.get(seg.size() - 1).equals("wrapkey")
              || seg.get(seg.size() - 1).equals("unwrapkey")
              || seg.get(seg.size() - 1).equals("sign"))) {
        op = seg.remove(seg.size() - 1);
      } else {
        send(ex, 404, "{\"error\":{\"code\":\"NotFound\",\"message\":\"no route\"}}");
        return;
      }
      if (!seg.get(0).equals("keys")) {
        send(ex, 404, "{\"error\":{\"code\":\"NotFound\",\"message\":\"no route\"}}");
        return;
      }
      count(op);
      CountDownLatch s = stall;
      if (s != null) {
        s.await(30, TimeUnit.SECONDS);
      }
      int[] failure;
      synchronized (failures) {
        failure = failures.poll();
      }
      if (failure != null) {
        if (failure[1] > 0) {
          ex.getResponseHeaders().add("Retry-After", Integer.toString(failure[1]));
        }
        send(ex, failure[0], failure[0] == 429
            ? error("Throttled", "Request was not processed because too many requests were "
                + "received. Reason: VaultRequestTypeLimitReached")
            : error("InternalServerError", "Internal server error"));
        return;
      }
      if (op.equals(deniedOperation)) {
        send(ex, 403, "{\"error\":{\"code\":\"Forbidden\",\"message\":\"Caller is not "
            + "authorized to perform action on resource. Action: 'Microsoft.KeyVault/vaults/keys/"
            + (op.equals("get") ? "read" : op.replace("key", "")) + "/action'\",\"innererror\":"
            + "{\"code\":\"ForbiddenByRbac\"}}}");
        return;
      }
      String name = seg.get(1);
      KeyEntry key = keys.get(name);
      String version = seg.size() == 3 ? seg.get(2) : null;
      Object material;
      synchronized (this) {
        if (key != null && version == null) {
          version = key.current();
        }
        material = key == null ? null : key.versions.get(version);
      }
      if (material == null) {
        send(ex, 404, error("KeyNotFound", "A key with (name/id) " + name + " was not found "
            + "in this key vault."));
        return;
      }
      if (!key.enabled) {
        send(ex, 403, "{\"error\":{\"code\":\"Forbidden\",\"message\":\"Operation " + op
            + " is not allowed on a disabled key.\",\"innererror\":{\"code\":\"KeyDisabled\"}}}");
        return;
      }
      String kid = vaultUrl() + "/keys/" + name + "/" + version;
      if (op.equals("get")) {
        send(ex, 200, keyBundle(kid, key, material));
        return;
      }
      JsonNode req = JSON.readTree(body);
      String alg = req.path("alg").asText("");
      byte[] value;
      try {
        value = Base64.getUrlDecoder().decode(req.path("value").asText(""));
      } catch (IllegalArgumentException e) {
        send(ex, 400, error("BadParameter", "value is not base64url"));
        return;
      }
      if (op.equals("sign")) {
        sign(ex, kid, key, material, alg, value);
        return;
      }
      boolean wrap = op.equals("wrapkey");
      if (!(key.rsa ? alg.equals("RSA-OAEP-256") : alg.equals("A256KW"))) {
        send(ex, 400, error("BadParameter", "Algorithm " + alg + " is not supported for this "
            + "key type"));
        return;
      }
      byte[] out;
      try {
        out = crypt(key.rsa, material, wrap, value);
      } catch (GeneralSecurityException e) {
        send(ex, 400, error("BadParameter", "Invalid ciphertext"));
        return;
      }
      if (wrap && value.length >= 32) {
        ISSUED.add(Arrays.copyOf(value, 32));
      }
      ObjectNode res = JSON.createObjectNode().put("kid", kid)
          .put("value", Base64.getUrlEncoder().withoutPadding().encodeToString(out));
      send(ex, 200, res.toString());
    } catch (Exception e) {
      send(ex, 500, error("InternalServerError", e.getClass().getSimpleName()));
    }
  }

  /**
   * Key Vault's {@code POST {key}/{version}/sign}: {@code alg} and the base64url {@code value} of
   * a digest of the length the algorithm's hash gives; answers {@code kid} and the signature.
   * PS256 (RSASSA-PSS, SHA-256, MGF1-SHA-256, 32-byte salt) over the given digest, made with
   * BouncyCastle's raw PSS signer since the JDK signs messages, not digests. Other algorithms and
   * oct-HSM keys are refused as Key Vault does (400 BadParameter).
   */
  private void sign(HttpExchange ex, String kid, KeyEntry key, Object material, String alg,
      byte[] digest) throws IOException {
    if (!key.rsa || !alg.equals("PS256")) {
      send(ex, 400, error("BadParameter", "Algorithm " + alg + " is not supported for this "
          + "key type"));
      return;
    }
    if (digest.length != 32) {
      send(ex, 400, error("BadParameter", "Invalid length of digest for algorithm " + alg));
      return;
    }
    byte[] sig = ps256Digest(((KeyPair) material).getPrivate(), digest);
    send(ex, 200, JSON.createObjectNode().put("kid", kid)
        .put("value", Base64.getUrlEncoder().withoutPadding().encodeToString(sig)).toString());
  }

  /** PS256 over an already computed SHA-256 digest, as Key Vault's sign does. */
  private static byte[] ps256Digest(java.security.PrivateKey key, byte[] digest) {
    try {
      PSSSigner pss = PSSSigner.createRawSigner(new RSABlindedEngine(), new SHA256Digest());
      pss.init(true, new ParametersWithRandom(PrivateKeyFactory.createKey(key.getEncoded()),
          RANDOM));
      pss.update(digest, 0, digest.length);
      return pss.generateSignature();
    } catch (IOException | org.bouncycastle.crypto.CryptoException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * What {@code POST /keys/{name}/{current version}/sign} would answer for {@code digest}: a
   * test's way to get a signature by another Key Vault key over data of its choosing.
   */
  synchronized byte[] signAs(String name, byte[] digest) {
    KeyEntry k = keys.get(name);
    return ps256Digest(((KeyPair) k.versions.get(k.current())).getPrivate(), digest);
  }

  /** A PS256 signature by another party's private key: what a forger could make. */
  static byte[] ps256(java.security.PrivateKey key, byte[] message)
      throws GeneralSecurityException {
    java.security.Signature s = java.security.Signature.getInstance("RSASSA-PSS");
    s.setParameter(AzureSignatureVerifier.PS256);
    s.initSign(key);
    s.update(message);
    return s.sign();
  }

  /**
   * Microsoft Entra's client-credentials token endpoint for {@link #TENANT}: issues the accepted
   * Key Vault token to {@link #entraClient} with {@link #entraSecret} and the Key Vault scope.
   */
  private void token(HttpExchange ex, String form) throws IOException {
    count("token");
    Map<String, String> f = new HashMap<>();
    for (String pair : form.split("&")) {
      int eq = pair.indexOf('=');
      if (eq > 0) {
        f.put(java.net.URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
            java.net.URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
      }
    }
    if (!"client_credentials".equals(f.get("grant_type"))
        || !java.util.Arrays.asList(String.valueOf(f.get("scope")).split(" "))
            .contains("https://vault.azure.net/.default")) {
      send(ex, 400, "{\"error\":\"invalid_request\",\"error_description\":\"AADSTS900144: "
          + "bad grant or scope\"}");
      return;
    }
    if (!String.valueOf(entraClient).equals(f.get("client_id"))
        || !String.valueOf(entraSecret).equals(f.get("client_secret"))) {
      send(ex, 401, "{\"error\":\"invalid_client\",\"error_description\":\"AADSTS7000215: "
          + "Invalid client secret provided.\",\"error_codes\":[7000215]}");
      return;
    }
    send(ex, 200, JSON.createObjectNode().put("token_type", "Bearer").put("expires_in", 3599)
        .put("ext_expires_in", 3599).put("access_token", acceptedToken).toString());
  }

  private static byte[] crypt(boolean rsa, Object material, boolean wrap, byte[] value)
      throws GeneralSecurityException {
    if (rsa) {
      KeyPair kp = (KeyPair) material;
      Cipher c = Cipher.getInstance("RSA/ECB/OAEPPadding");
      OAEPParameterSpec spec = new OAEPParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256,
          PSource.PSpecified.DEFAULT);
      Key k = wrap ? kp.getPublic() : kp.getPrivate();
      c.init(wrap ? Cipher.ENCRYPT_MODE : Cipher.DECRYPT_MODE, k, spec);
      return c.doFinal(value);
    }
    Cipher c = Cipher.getInstance("AESWrap");
    c.init(wrap ? Cipher.ENCRYPT_MODE : Cipher.DECRYPT_MODE, (SecretKey) material);
    return c.doFinal(value);
  }

  private static String keyBundle(String kid, KeyEntry key, Object material) {
    ObjectNode jwk = JSON.createObjectNode().put("kid", kid)
        .put("kty", key.rsa ? "RSA" : "oct-HSM");
    ArrayNode ops = jwk.putArray("key_ops");
    if (key.ops != null) {
      key.ops.forEach(ops::add);
    } else {
      ops.add("wrapKey").add("unwrapKey");
      if (key.rsa) {
        ops.add("sign").add("verify");
      }
    }
    if (key.rsa) {
      java.security.interfaces.RSAPublicKey pub =
          (java.security.interfaces.RSAPublicKey) ((KeyPair) material).getPublic();
      jwk.put("n", b64u(pub.getModulus())).put("e", b64u(pub.getPublicExponent()));
    }
    ObjectNode bundle = JSON.createObjectNode();
    bundle.set("key", jwk);
    bundle.putObject("attributes").put("enabled", key.enabled);
    return bundle.toString();
  }

  private static String b64u(BigInteger n) {
    byte[] b = n.toByteArray();
    if (b.length > 1 && b[0] == 0) {
      b = Arrays.copyOfRange(b, 1, b.length);
    }
    return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }

  private static String error(String code, String message) {
    Map<String, Object> inner = new HashMap<>();
    inner.put("code", code);
    inner.put("message", message);
    try {
      return JSON.writeValueAsString(Map.of("error", inner));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void send(HttpExchange ex, int status, String json) throws IOException {
    byte[] b = json.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().add("Content-Type", "application/json; charset=utf-8");
    ex.sendResponseHeaders(status, b.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(b);
    }
  }

  @Override
  public void close() {
    release();
    server.stop(0);
    executor.shutdownNow();
    try {
      Files.deleteIfExists(caFile);
    } catch (IOException e) {
      // a temp file
    }
  }
}
