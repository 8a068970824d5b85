package io.kafkaenvelope.kms.aws;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * A loopback server that speaks the AWS KMS JSON 1.1 protocol as the AWS SDK uses it
 * ({@code X-Amz-Target: TrentService.<Operation>}), for tests where no real KMS can run. It
 * verifies every request's SigV4 signature against the credentials it knows, holds keys by id,
 * ARN and alias, enforces encryption context and KeyId pinning, answers with AWS's error shapes,
 * and can inject throttling, 5xx, latency and AccessDenied. Its ciphertext blobs are its own
 * format (authenticated with AES-GCM under the key's secret), as real KMS blobs are opaque too.
 */
final class FakeAwsKms implements AutoCloseable {

  static final String ACCOUNT = "111122223333";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern AUTH = Pattern.compile(
      "AWS4-HMAC-SHA256 Credential=([^/]+)/(\\d{8})/([^/]+)/([^/]+)/aws4_request, "
          + "SignedHeaders=([^,]+), Signature=([0-9a-f]{64})");

  private final HttpServer server;
  private final String region;
  private final SecureRandom random = new SecureRandom();
  private final Map<String, String> secretsByAccessKey = new ConcurrentHashMap<>();
  private final Map<String, Key> keysById = new ConcurrentHashMap<>();
  private final Map<String, String> aliases = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
  private final List<String> failures = new ArrayList<>(); // queued error codes
  private volatile String deniedOperation;
  private volatile long latencyMs;
  private final AtomicInteger badSignatures = new AtomicInteger();
  private static final List<byte[]> ISSUED = new java.util.concurrent.CopyOnWriteArrayList<>();

  static final class Key {
    final String id;
    final SecretKeySpec secret;
    volatile boolean enabled = true;
    volatile boolean pendingDeletion;

    Key(String id, byte[] secret) {
      this.id = id;
      this.secret = new SecretKeySpec(secret, "AES");
    }
  }

  FakeAwsKms(String region) throws IOException {
    this.region = region;
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", this::handle);
    server.setExecutor(Executors.newFixedThreadPool(4));
    server.start();
  }

  String endpoint() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  void allowCredentials(String accessKeyId, String secret) {
    secretsByAccessKey.put(accessKeyId, secret);
  }

  /** Creates a key and returns its ARN. */
  String createKey(String alias) {
    String id = UUID.randomUUID().toString();
    byte[] secret = new byte[32];
    random.nextBytes(secret);
    keysById.put(id, new Key(id, secret));
    if (alias != null) {
      aliases.put("alias/" + alias, id);
    }
    return arn(id);
  }

  /** Creates a multi-Region primary key ({@code mrk-} id) and returns its ARN. */
  String createMultiRegionKey(String alias) {
    byte[] idBytes = new byte[16];
    random.nextBytes(idBytes);
    String id = "mrk-" + HexFormat.of().formatHex(idBytes);
    byte[] secret = new byte[32];
    random.nextBytes(secret);
    keysById.put(id, new Key(id, secret));
    if (alias != null) {
      aliases.put("alias/" + alias, id);
    }
    return arn(id);
  }

  /**
   * Replicates a multi-Region key of this server into {@code other} (another region): same key id
   * and key material, so either region decrypts the other's blobs. Returns the replica's ARN.
   */
  String replicateTo(FakeAwsKms other, String keyArn) {
    Key k = keysById.get(keyArn.substring(keyArn.lastIndexOf('/') + 1));
    if (!k.id.startsWith("mrk-")) {
      throw new IllegalArgumentException("only multi-Region keys replicate");
    }
    other.keysById.put(k.id, new Key(k.id, k.secret.getEncoded()));
    return other.arn(k.id);
  }

  /** Points an existing alias at another key (as UpdateAlias does). */
  void moveAlias(String alias, String keyArn) {
    aliases.put("alias/" + alias, keyArn.substring(keyArn.lastIndexOf('/') + 1));
  }

  String arn(String id) {
    return "arn:aws:kms:" + region + ":" + ACCOUNT + ":key/" + id;
  }

  void disable(String keyArn) {
    keysById.get(keyArn.substring(keyArn.lastIndexOf('/') + 1)).enabled = false;
  }

  void scheduleDeletion(String keyArn) {
    keysById.get(keyArn.substring(keyArn.lastIndexOf('/') + 1)).pendingDeletion = true;
  }

  /** Temporary credentials: requests must carry {@code token} as X-Amz-Security-Token. */
  void allowSessionCredentials(String accessKeyId, String secret, String token) {
    secretsByAccessKey.put(accessKeyId, secret);
    sessionTokens.put(accessKeyId, token);
  }

  /** Every plaintext data key any fake server in this JVM handed out (to scan logs for). */
  static List<byte[]> issuedKeys() {
    return List.copyOf(ISSUED);
  }

  /** The next {@code n} requests fail with {@code code} (ThrottlingException, InternalFailure ...). */
  synchronized void failNext(int n, String code) {
    for (int i = 0; i < n; i++) {
      failures.add(code);
    }
  }

  synchronized void clearFailures() {
    failures.clear();
  }

  void denyOperation(String operation) {
    deniedOperation = operation;
  }

  void latency(long ms) {
    latencyMs = ms;
  }

  int calls(String operation) {
    return calls.computeIfAbsent(operation, k -> new AtomicInteger()).get();
  }

  int badSignatures() {
    return badSignatures.get();
  }

  void resetCounters() {
    calls.clear();
  }

  private void handle(HttpExchange ex) throws IOException {
    try {
      byte[] body = ex.getRequestBody().readAllBytes();
      String form = new String(body, StandardCharsets.UTF_8);
      if (form.startsWith("Action=AssumeRole")) {
        assumeRole(ex, body, form);
        return;
      }
      String target = ex.getRequestHeaders().getFirst("X-Amz-Target");
      if (target == null || !target.startsWith("TrentService.")) {
        error(ex, 400, "UnknownOperationException", "no X-Amz-Target");
        return;
      }
      String op = target.substring("TrentService.".length());
      calls.computeIfAbsent(op, k -> new AtomicInteger()).incrementAndGet();
      if (latencyMs > 0) {
        Thread.sleep(latencyMs);
      }
      if (!"application/x-amz-json-1.1".equals(ex.getRequestHeaders().getFirst("Content-Type"))) {
        error(ex, 400, "SerializationException", "expected Content-Type application/x-amz-json-1.1");
        return;
      }
      String sigError = verifySignature(ex, body);
      if (sigError != null) {
        badSignatures.incrementAndGet();
        authError(ex, sigError);
        return;
      }
      String injected;
      synchronized (this) {
        injected = failures.isEmpty() ? null : failures.remove(0);
      }
      if (injected != null) {
        error(ex, injected.equals("ThrottlingException") ? 400 : 500, injected, "injected");
        return;
      }
      if (op.equals(deniedOperation)) {
        error(ex, 400, "AccessDeniedException", "User: arn:aws:iam::" + ACCOUNT
            + ":user/test is not authorized to perform: kms:" + op);
        return;
      }
      JsonNode req = JSON.readTree(body);
      switch (op) {
        case "GenerateDataKey":
          generateDataKey(ex, req);
          break;
        case "Encrypt":
          encrypt(ex, req);
          break;
        case "Decrypt":
          decrypt(ex, req);
          break;
        case "DescribeKey":
          describeKey(ex, req);
          break;
        default:
          error(ex, 400, "UnsupportedOperationException", op);
      }
    } catch (Exception e) {
      error(ex, 500, "KMSInternalException", e.getClass().getSimpleName());
    } finally {
      ex.close();
    }
  }

  private Key resolve(HttpExchange ex, String keyId) throws IOException {
    if (keyId.isEmpty()) {
      error(ex, 400, "ValidationException", "1 validation error detected: Value null at "
          + "'keyId' failed to satisfy constraint: Member must not be null");
      return null;
    }
    String id = keyId;
    if (keyId.startsWith("alias/")) {
      id = aliases.get(keyId);
    } else if (keyId.startsWith("arn:")) {
      String prefix = "arn:aws:kms:" + region + ":" + ACCOUNT + ":";
      if (!keyId.startsWith(prefix)) {
        id = null; // another region's (or account's) key is not here
      } else if (keyId.startsWith(prefix + "alias/")) {
        id = aliases.get(keyId.substring(prefix.length()));
      } else {
        id = keyId.substring(keyId.lastIndexOf('/') + 1);
      }
    }
    Key k = id == null ? null : keysById.get(id);
    if (k == null) {
      error(ex, 400, "NotFoundException", "Key '" + keyId + "' does not exist");
      return null;
    }
    if (k.pendingDeletion) {
      error(ex, 400, "KMSInvalidStateException", arn(k.id) + " is pending deletion.");
      return null;
    }
    if (!k.enabled) {
      error(ex, 400, "DisabledException", arn(k.id) + " is disabled.");
      return null;
    }
    return k;
  }

  private void generateDataKey(HttpExchange ex, JsonNode req) throws Exception {
    Key k = resolve(ex, req.path("KeyId").asText());
    if (k == null) {
      return;
    }
    if (!"AES_256".equals(req.path("KeySpec").asText())) {
      error(ex, 400, "ValidationException", "KeySpec must be AES_256 here");
      return;
    }
    byte[] dek = new byte[32];
    random.nextBytes(dek);
    ISSUED.add(dek.clone());
    ObjectNode out = JSON.createObjectNode();
    out.put("KeyId", arn(k.id));
    out.put("Plaintext", Base64.getEncoder().encodeToString(dek));
    out.put("CiphertextBlob", Base64.getEncoder().encodeToString(seal(k, dek, context(req))));
    ok(ex, out);
  }

  private void encrypt(HttpExchange ex, JsonNode req) throws Exception {
    Key k = resolve(ex, req.path("KeyId").asText());
    if (k == null) {
      return;
    }
    byte[] pt = Base64.getDecoder().decode(req.path("Plaintext").asText());
    ObjectNode out = JSON.createObjectNode();
    out.put("KeyId", arn(k.id));
    out.put("CiphertextBlob", Base64.getEncoder().encodeToString(seal(k, pt, context(req))));
    ok(ex, out);
  }

  private void decrypt(HttpExchange ex, JsonNode req) throws Exception {
    byte[] blob = Base64.getDecoder().decode(req.path("CiphertextBlob").asText());
    if (blob.length < 36 + 12 + 16) {
      error(ex, 400, "InvalidCiphertextException", null);
      return;
    }
    String blobKeyId = new String(blob, 0, 36, StandardCharsets.US_ASCII);
    Key k = keysById.get(blobKeyId);
    if (k == null) {
      error(ex, 400, "InvalidCiphertextException", null);
      return;
    }
    if (req.hasNonNull("KeyId")) {
      Key pinned = resolve(ex, req.path("KeyId").asText());
      if (pinned == null) {
        return;
      }
      if (pinned != k) {
        error(ex, 400, "IncorrectKeyException", "The key ID in the request does not identify a "
            + "KMS key that can perform this operation.");
        return;
      }
    }
    if (!k.enabled) {
      error(ex, 400, "DisabledException", arn(k.id) + " is disabled.");
      return;
    }
    byte[] pt;
    try {
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(Cipher.DECRYPT_MODE, k.secret, new GCMParameterSpec(128, blob, 36, 12));
      c.updateAAD(context(req));
      pt = c.doFinal(blob, 48, blob.length - 48);
    } catch (Exception wrongContextOrTampered) {
      error(ex, 400, "InvalidCiphertextException", null);
      return;
    }
    ObjectNode out = JSON.createObjectNode();
    out.put("KeyId", arn(k.id));
    out.put("Plaintext", Base64.getEncoder().encodeToString(pt));
    out.put("EncryptionAlgorithm", "SYMMETRIC_DEFAULT");
    ok(ex, out);
  }

  private void describeKey(HttpExchange ex, JsonNode req) throws Exception {
    Key k = resolve(ex, req.path("KeyId").asText());
    if (k == null) {
      return;
    }
    ObjectNode meta = JSON.createObjectNode();
    meta.put("KeyId", k.id);
    meta.put("Arn", arn(k.id));
    meta.put("Enabled", k.enabled);
    meta.put("KeyState", k.enabled ? "Enabled" : "Disabled");
    meta.put("KeySpec", "SYMMETRIC_DEFAULT");
    meta.put("KeyUsage", "ENCRYPT_DECRYPT");
    ObjectNode out = JSON.createObjectNode();
    out.set("KeyMetadata", meta);
    ok(ex, out);
  }

  private byte[] seal(Key k, byte[] plaintext, byte[] aad) throws Exception {
    byte[] nonce = new byte[12];
    random.nextBytes(nonce);
    Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
    c.init(Cipher.ENCRYPT_MODE, k.secret, new GCMParameterSpec(128, nonce));
    c.updateAAD(aad);
    byte[] ct = c.doFinal(plaintext);
    return ByteBuffer.allocate(36 + 12 + ct.length)
        .put(k.id.getBytes(StandardCharsets.US_ASCII)).put(nonce).put(ct).array();
  }

  /** The encryption context, canonically: sorted pairs. */
  private static byte[] context(JsonNode req) {
    TreeMap<String, String> ctx = new TreeMap<>();
    req.path("EncryptionContext").fields().forEachRemaining(e -> ctx.put(e.getKey(),
        e.getValue().asText()));
    return ctx.toString().getBytes(StandardCharsets.UTF_8);
  }

  /** STS AssumeRole (query protocol): issues temporary credentials this server then accepts. */
  private void assumeRole(HttpExchange ex, byte[] body, String form) throws Exception {
    calls.computeIfAbsent("AssumeRole", k -> new AtomicInteger()).incrementAndGet();
    String sigError = verifySignature(ex, body, "sts");
    if (sigError != null) {
      badSignatures.incrementAndGet();
      stsError(ex, 403, "SignatureDoesNotMatch", sigError);
      return;
    }
    if ("AssumeRole".equals(deniedOperation)) {
      stsError(ex, 403, "AccessDenied", "User: arn:aws:iam::" + ACCOUNT + ":user/test is not "
          + "authorized to perform: sts:AssumeRole");
      return;
    }
    Map<String, String> params = new TreeMap<>();
    for (String kv : form.split("&")) {
      int eq = kv.indexOf('=');
      params.put(java.net.URLDecoder.decode(kv.substring(0, eq), StandardCharsets.UTF_8),
          java.net.URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8));
    }
    lastAssumeRole = params;
    String tempKey = "ASIATEMP" + (10000 + calls("AssumeRole"));
    String tempSecret = UUID.randomUUID().toString();
    String token = "session-" + UUID.randomUUID();
    allowCredentials(tempKey, tempSecret);
    sessionTokens.put(tempKey, token);
    String xml = "<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
        + "<AssumeRoleResult><Credentials><AccessKeyId>" + tempKey + "</AccessKeyId>"
        + "<SecretAccessKey>" + tempSecret + "</SecretAccessKey><SessionToken>" + token
        + "</SessionToken><Expiration>" + java.time.Instant.now().plusSeconds(3600)
        + "</Expiration></Credentials><AssumedRoleUser><Arn>" + params.get("RoleArn")
        + "/" + params.get("RoleSessionName") + "</Arn><AssumedRoleId>AROA:x</AssumedRoleId>"
        + "</AssumedRoleUser></AssumeRoleResult><ResponseMetadata><RequestId>"
        + UUID.randomUUID() + "</RequestId></ResponseMetadata></AssumeRoleResponse>";
    ex.getResponseHeaders().set("Content-Type", "text/xml");
    byte[] b = xml.getBytes(StandardCharsets.UTF_8);
    ex.sendResponseHeaders(200, b.length);
    ex.getResponseBody().write(b);
  }

  volatile Map<String, String> lastAssumeRole;
  private final Map<String, String> sessionTokens = new ConcurrentHashMap<>();

  /** Whether any KMS request was signed with credentials issued by AssumeRole. */
  final AtomicInteger requestsWithSessionToken = new AtomicInteger();

  private String verifySignature(HttpExchange ex, byte[] body) throws Exception {
    return verifySignature(ex, body, "kms");
  }

  /** Recomputes the SigV4 signature of the request; returns why it is wrong, or null. */
  private String verifySignature(HttpExchange ex, byte[] body, String expectedService)
      throws Exception {
    String auth = ex.getRequestHeaders().getFirst("Authorization");
    if (auth == null) {
      return "missing Authorization";
    }
    Matcher m = AUTH.matcher(auth);
    if (!m.matches()) {
      return "malformed Authorization";
    }
    String accessKey = m.group(1);
    String date = m.group(2);
    String reqRegion = m.group(3);
    String service = m.group(4);
    String secret = secretsByAccessKey.get(accessKey);
    if (secret == null) {
      return "unknown access key";
    }
    String token = sessionTokens.get(accessKey);
    if (token != null) {
      if (!token.equals(ex.getRequestHeaders().getFirst("X-Amz-Security-Token"))) {
        return "session token";
      }
      requestsWithSessionToken.incrementAndGet();
    }
    if (!reqRegion.equals(region) || !service.equals(expectedService)) {
      return "credential scope " + reqRegion + "/" + service;
    }
    String amzDate = ex.getRequestHeaders().getFirst("X-Amz-Date");
    if (amzDate == null || !amzDate.startsWith(date)) {
      return "X-Amz-Date";
    }
    java.time.Instant signedAt = java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
        .withZone(java.time.ZoneOffset.UTC).parse(amzDate, java.time.Instant::from);
    if (Math.abs(java.time.Duration.between(signedAt, java.time.Instant.now()).toMinutes()) > 5) {
      return "signature expired";
    }
    List<String> signed = List.of(m.group(5).split(";"));
    for (String required : expectedService.equals("kms")
        ? List.of("host", "x-amz-date", "x-amz-target", "content-type") : List.of("host", "x-amz-date")) {
      if (!signed.contains(required)) {
        return "header not signed: " + required;
      }
    }
    StringBuilder canonicalHeaders = new StringBuilder();
    for (String h : m.group(5).split(";")) {
      String v = ex.getRequestHeaders().getFirst(h);
      if (v == null) {
        return "signed header missing: " + h;
      }
      canonicalHeaders.append(h.toLowerCase(Locale.ROOT)).append(':')
          .append(v.trim().replaceAll(" +", " ")).append('\n');
    }
    String path = ex.getRequestURI().getRawPath();
    String query = ex.getRequestURI().getRawQuery();
    String canonical = ex.getRequestMethod() + "\n" + (path.isEmpty() ? "/" : path) + "\n"
        + (query == null ? "" : query) + "\n" + canonicalHeaders + "\n" + m.group(5) + "\n"
        + hex(sha256(body));
    String scope = date + "/" + reqRegion + "/" + service + "/aws4_request";
    String toSign = "AWS4-HMAC-SHA256\n" + amzDate + "\n" + scope + "\n"
        + hex(sha256(canonical.getBytes(StandardCharsets.UTF_8)));
    byte[] k = hmac(("AWS4" + secret).getBytes(StandardCharsets.UTF_8), date);
    k = hmac(k, reqRegion);
    k = hmac(k, service);
    k = hmac(k, "aws4_request");
    String expected = hex(hmac(k, toSign));
    return expected.equals(m.group(6)) ? null : "signature mismatch";
  }

  private static byte[] hmac(byte[] key, String data) throws Exception {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(key, "HmacSHA256"));
    return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
  }

  private static byte[] sha256(byte[] b) throws Exception {
    return MessageDigest.getInstance("SHA-256").digest(b);
  }

  private static String hex(byte[] b) {
    return HexFormat.of().formatHex(b);
  }

  /** STS (query protocol) errors are XML. */
  private static void stsError(HttpExchange ex, int status, String code, String message)
      throws IOException {
    String xml = "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error>"
        + "<Type>Sender</Type><Code>" + code + "</Code><Message>" + message + "</Message>"
        + "</Error><RequestId>" + UUID.randomUUID() + "</RequestId></ErrorResponse>";
    byte[] b = xml.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", "text/xml");
    ex.sendResponseHeaders(status, b.length);
    ex.getResponseBody().write(b);
  }

  /** What KMS answers to unknown credentials and to bad signatures. */
  private static void authError(HttpExchange ex, String why) throws IOException {
    if (why.startsWith("missing") || why.startsWith("malformed")) {
      error(ex, 400, "MissingAuthenticationTokenException", "Missing Authentication Token");
    } else if (why.equals("unknown access key") || why.equals("session token")) {
      error(ex, 400, "UnrecognizedClientException",
          "The security token included in the request is invalid.");
    } else {
      error(ex, 400, "InvalidSignatureException", "The request signature we calculated does not "
          + "match the signature you provided. Check your AWS Secret Access Key and signing "
          + "method. (" + why + ")");
    }
  }

  private static void ok(HttpExchange ex, JsonNode body) throws IOException {
    send(ex, 200, JSON.writeValueAsBytes(body));
  }

  private static void error(HttpExchange ex, int status, String type, String message)
      throws IOException {
    ObjectNode e = JSON.createObjectNode();
    e.put("__type", type);
    if (message != null) {
      e.put("message", message);
    }
    send(ex, status, JSON.writeValueAsBytes(e));
  }

  private static void send(HttpExchange ex, int status, byte[] body) throws IOException {
    ex.getResponseHeaders().set("Content-Type", "application/x-amz-json-1.1");
    ex.getResponseHeaders().set("x-amzn-RequestId", UUID.randomUUID().toString());
    ex.sendResponseHeaders(status, body.length);
    ex.getResponseBody().write(body);
  }

  @Override
  public void close() {
    server.stop(0);
    ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
  }
}
