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
 * verifies every request's SigV4 signature against the credentials it knows, maps each access key
 * to an account and principal, holds keys per account by id, ARN and alias, checks each key's
 * policy per operation (AccessDeniedException), enforces encryption context (compared exactly as
 * a map) and KeyId pinning, answers with AWS's error shapes, and can inject throttling, 5xx,
 * latency, raw HTTP answers and AccessDenied.
 *
 * <p>Ciphertext blobs are opaque binary of the real size (184 bytes for a 32-byte data key): a
 * version byte, the key id (16 bytes), a per-key backing-key id (32), a nonce (12), and AES-GCM
 * under the key's secret of the length-prefixed, zero-padded plaintext, with the header and the
 * canonical encryption context as associated data. A forged, damaged or context-mismatched blob
 * is InvalidCiphertextException.
 */
final class FakeAwsKms implements AutoCloseable {

  static final String ACCOUNT = "111122223333";
  static final String PRINCIPAL = "arn:aws:iam::" + ACCOUNT + ":user/test";
  /** Blob layout: version, key-id form, key id, backing-key id, nonce; then the AES-GCM output. */
  private static final byte VERSION = 1;
  private static final int HEADER = 1 + 1 + 16 + 32 + 12;
  private static final int PAD = 72;
  private static final ObjectMapper JSON = new ObjectMapper()
      .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY);
  private static final Pattern AUTH = Pattern.compile(
      "AWS4-HMAC-SHA256 Credential=([^/]+)/(\\d{8})/([^/]+)/([^/]+)/aws4_request, "
          + "SignedHeaders=([^,]+), Signature=([0-9a-f]{64})");

  private final HttpServer server;
  private final String region;
  private final SecureRandom random = new SecureRandom();
  private final Map<String, String> secretsByAccessKey = new ConcurrentHashMap<>();
  private final Map<String, Identity> identities = new ConcurrentHashMap<>();
  private final Map<String, Key> keysById = new ConcurrentHashMap<>();
  /** "account:alias/name" to key id. */
  private final Map<String, String> aliases = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> decryptsByKey = new ConcurrentHashMap<>();
  private final List<byte[]> rawAnswers = new ArrayList<>(); // queued raw HTTP answers
  private final List<String> failures = new ArrayList<>(); // queued error codes
  private volatile String deniedOperation;
  private volatile long latencyMs;
  private final AtomicInteger badSignatures = new AtomicInteger();
  private static final List<byte[]> ISSUED = new java.util.concurrent.CopyOnWriteArrayList<>();

  /** Who signed a request: the access key's account and principal ARN. */
  record Identity(String account, String principal) {}

  static final class Key {
    final String id;
    final String account;
    final SecretKeySpec secret;
    final byte[] backingId;
    /** Operation to who may call it: "*", an account id, or a principal ARN. */
    final Map<String, java.util.Set<String>> policy = new ConcurrentHashMap<>();
    volatile boolean enabled = true;
    volatile boolean pendingDeletion;
    /** KeySpec HMAC_256 (KeyUsage GENERATE_VERIFY_MAC) instead of SYMMETRIC_DEFAULT. */
    volatile boolean hmac;

    Key(String id, String account, byte[] secret, byte[] backingId) {
      this.id = id;
      this.account = account;
      this.secret = new SecretKeySpec(secret, "AES");
      this.backingId = backingId.clone();
      for (String op : List.of("GenerateDataKey", "Encrypt", "Decrypt", "DescribeKey",
          "GenerateMac")) {
        // the default key policy: the key's own account (IAM decides within it)
        policy.put(op, java.util.concurrent.ConcurrentHashMap.newKeySet());
        policy.get(op).add(account);
      }
    }

    boolean allows(String op, Identity caller) {
      java.util.Set<String> who = policy.getOrDefault(op, java.util.Set.of());
      return who.contains("*") || who.contains(caller.account())
          || who.contains(caller.principal());
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

  /** Credentials of {@link #PRINCIPAL} in {@link #ACCOUNT}. */
  void allowCredentials(String accessKeyId, String secret) {
    allowCredentials(accessKeyId, secret, ACCOUNT);
  }

  /** Credentials of the user {@code arn:aws:iam::<account>:user/<accessKeyId>}. */
  void allowCredentials(String accessKeyId, String secret, String account) {
    secretsByAccessKey.put(accessKeyId, secret);
    identities.put(accessKeyId, new Identity(account, account.equals(ACCOUNT) ? PRINCIPAL
        : "arn:aws:iam::" + account + ":user/" + accessKeyId));
  }

  /** Creates a key in {@link #ACCOUNT} and returns its ARN. */
  String createKey(String alias) {
    return createKey(ACCOUNT, alias);
  }

  /** Creates a key in {@code account} (its policy admits that account only); returns its ARN. */
  String createKey(String account, String alias) {
    return addKey(UUID.randomUUID().toString(), account, alias);
  }

  /**
   * Creates an HMAC key (KeySpec HMAC_256, KeyUsage GENERATE_VERIFY_MAC) in {@link #ACCOUNT}: it
   * answers GenerateMac and refuses the encryption operations, as AWS KMS does.
   */
  String createHmacKey(String alias) {
    String arn = createKey(ACCOUNT, alias);
    key(arn).hmac = true;
    return arn;
  }

  /** Creates a multi-Region primary key ({@code mrk-} id) and returns its ARN. */
  String createMultiRegionKey(String alias) {
    byte[] idBytes = new byte[16];
    random.nextBytes(idBytes);
    return addKey("mrk-" + HexFormat.of().formatHex(idBytes), ACCOUNT, alias);
  }

  private String addKey(String id, String account, String alias) {
    byte[] secret = new byte[32];
    random.nextBytes(secret);
    byte[] backing = new byte[32];
    random.nextBytes(backing);
    Key k = new Key(id, account, secret, backing);
    keysById.put(id, k);
    if (alias != null) {
      aliases.put(account + ":alias/" + alias, id);
    }
    return arn(k);
  }

  /**
   * Replaces who may call {@code operation} with {@code keyArn}: "*" (anyone, any account), an
   * account id, or a principal ARN. No entries: nobody.
   */
  void keyPolicy(String keyArn, String operation, String... who) {
    java.util.Set<String> set = java.util.concurrent.ConcurrentHashMap.newKeySet();
    set.addAll(List.of(who));
    key(keyArn).policy.put(operation, set);
  }

  private Key key(String keyArn) {
    return keysById.get(keyArn.substring(keyArn.lastIndexOf('/') + 1));
  }

  /**
   * Replicates a multi-Region key of this server into {@code other} (another region): same key id
   * and key material, so either region decrypts the other's blobs. Returns the replica's ARN.
   */
  String replicateTo(FakeAwsKms other, String keyArn) {
    Key k = key(keyArn);
    if (!k.id.startsWith("mrk-")) {
      throw new IllegalArgumentException("only multi-Region keys replicate");
    }
    Key replica = new Key(k.id, k.account, k.secret.getEncoded(), k.backingId);
    k.policy.forEach((op, who) -> replica.policy.get(op).addAll(who));
    other.keysById.put(k.id, replica);
    return other.arn(replica);
  }

  /** Points an existing alias at another key of the same account (as UpdateAlias does). */
  void moveAlias(String alias, String keyArn) {
    Key k = key(keyArn);
    aliases.put(k.account + ":alias/" + alias, k.id);
  }

  private String arn(Key k) {
    return "arn:aws:kms:" + region + ":" + k.account + ":key/" + k.id;
  }

  void disable(String keyArn) {
    key(keyArn).enabled = false;
  }

  void scheduleDeletion(String keyArn) {
    key(keyArn).pendingDeletion = true;
  }

  /** Temporary credentials: requests must carry {@code token} as X-Amz-Security-Token. */
  void allowSessionCredentials(String accessKeyId, String secret, String token) {
    allowCredentials(accessKeyId, secret, ACCOUNT);
    sessionTokens.put(accessKeyId, token);
  }

  /**
   * The next KMS request (after its signature is checked) is answered with exactly this status,
   * content type and body, as a proxy or a wrong endpoint might answer.
   */
  synchronized void answerNextRaw(int status, String contentType, String body) {
    rawAnswers.add((status + "\n" + contentType + "\n" + body).getBytes(StandardCharsets.UTF_8));
  }

  /** Decrypt requests whose ciphertext blob was made under {@code keyArn}, whatever the outcome. */
  int decryptsOf(String keyArn) {
    return decryptsByKey.computeIfAbsent(key(keyArn).id, k -> new AtomicInteger()).get();
  }

  /** Every plaintext data key any fake server in this JVM handed out (to scan logs for). */
  static List<byte[]> issuedKeys() {
    return List.copyOf(ISSUED);
  }

  /**
   * The next {@code n} requests fail with {@code code} (ThrottlingException, InternalFailure ...).
   */
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
    decryptsByKey.clear();
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
        error(ex, 400, "SerializationException",
            "expected Content-Type application/x-amz-json-1.1");
        return;
      }
      String sigError = verifySignature(ex, body);
      if (sigError != null) {
        badSignatures.incrementAndGet();
        authError(ex, sigError);
        return;
      }
      byte[] raw;
      String injected;
      synchronized (this) {
        raw = rawAnswers.isEmpty() ? null : rawAnswers.remove(0);
        injected = failures.isEmpty() ? null : failures.remove(0);
      }
      if (raw != null) {
        String[] parts = new String(raw, StandardCharsets.UTF_8).split("\n", 3);
        byte[] b = parts[2].getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", parts[1]);
        ex.sendResponseHeaders(Integer.parseInt(parts[0]), b.length == 0 ? -1 : b.length);
        ex.getResponseBody().write(b);
        return;
      }
      if (injected != null) {
        error(ex, injected.equals("ThrottlingException") ? 400 : 500, injected, "injected");
        return;
      }
      Identity caller = identities.get(accessKeyOf(ex));
      if (op.equals(deniedOperation)) {
        error(ex, 400, "AccessDeniedException", "User: " + caller.principal()
            + " is not authorized to perform: kms:" + op);
        return;
      }
      JsonNode req;
      Map<String, String> context;
      try {
        req = JSON.readTree(body);
        context = context(req);
      } catch (com.fasterxml.jackson.core.JsonProcessingException | IllegalArgumentException e) {
        error(ex, 400, e instanceof IllegalArgumentException ? "ValidationException"
            : "SerializationException", e.getMessage());
        return;
      }
      switch (op) {
        case "GenerateDataKey":
          generateDataKey(ex, req, context, caller);
          break;
        case "Encrypt":
          encrypt(ex, req, context, caller);
          break;
        case "Decrypt":
          decrypt(ex, req, context, caller);
          break;
        case "DescribeKey":
          describeKey(ex, req, caller);
          break;
        case "GenerateMac":
          generateMac(ex, req, caller);
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

  private static String accessKeyOf(HttpExchange ex) {
    Matcher m = AUTH.matcher(ex.getRequestHeaders().getFirst("Authorization"));
    return m.matches() ? m.group(1) : null;
  }

  /**
   * Finds a key as KMS does for {@code caller}: a bare key id or alias name in the caller's own
   * account and this region; an ARN in its account, which must be this server's partition and
   * region. Answers NotFoundException (or ValidationException) and returns null otherwise.
   */
  private Key resolve(HttpExchange ex, String keyId, Identity caller) throws IOException {
    if (keyId.isEmpty()) {
      error(ex, 400, "ValidationException", "1 validation error detected: Value null at "
          + "'keyId' failed to satisfy constraint: Member must not be null");
      return null;
    }
    String account = caller.account();
    String id = keyId;
    if (keyId.startsWith("arn:")) {
      String[] parts = keyId.split(":", 6);
      if (parts.length != 6 || !parts[1].equals("aws") || !parts[2].equals("kms")
          || !parts[3].equals(region)) {
        id = null; // another partition's or region's key is not here
      } else {
        account = parts[4];
        id = parts[5].startsWith("key/") ? parts[5].substring(4) : parts[5];
      }
    }
    if (id != null && id.startsWith("alias/")) {
      id = aliases.get(account + ":" + id);
    }
    Key k = id == null ? null : keysById.get(id);
    if (k == null || !k.account.equals(account)) {
      error(ex, 400, "NotFoundException", "Key '" + keyId + "' does not exist");
      return null;
    }
    return k;
  }

  /** The key policy, then the key state; answers the error and returns false when refused. */
  private boolean usable(HttpExchange ex, Key k, String op, Identity caller) throws IOException {
    if (!k.allows(op, caller)) {
      error(ex, 400, "AccessDeniedException", "User: " + caller.principal() + " is not "
          + "authorized to perform: kms:" + op + " on resource: " + arn(k) + " because no "
          + "resource-based policy allows the kms:" + op + " action");
      return false;
    }
    if (k.pendingDeletion) {
      error(ex, 400, "KMSInvalidStateException", arn(k) + " is pending deletion.");
      return false;
    }
    if (!k.enabled) {
      error(ex, 400, "DisabledException", arn(k) + " is disabled.");
      return false;
    }
    return true;
  }

  private void generateDataKey(HttpExchange ex, JsonNode req, Map<String, String> context,
      Identity caller) throws Exception {
    Key k = resolve(ex, req.path("KeyId").asText(), caller);
    if (k == null || !usable(ex, k, "GenerateDataKey", caller)) {
      return;
    }
    if (k.hmac) {
      error(ex, 400, "InvalidKeyUsageException", arn(k) + " key usage is GENERATE_VERIFY_MAC "
          + "which is not valid for GenerateDataKey.");
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
    out.put("KeyId", arn(k));
    out.put("Plaintext", Base64.getEncoder().encodeToString(dek));
    out.put("CiphertextBlob", Base64.getEncoder().encodeToString(seal(k, dek, context)));
    ok(ex, out);
  }

  /**
   * GenerateMac as AWS KMS answers it: an HMAC key only (InvalidKeyUsageException for a
   * symmetric encryption key, as for encryption operations on an HMAC key), a MacAlgorithm the
   * key spec supports, a Message of 1 to 4096 bytes; the MAC is HMAC-SHA256 under the key.
   */
  private void generateMac(HttpExchange ex, JsonNode req, Identity caller) throws Exception {
    Key k = resolve(ex, req.path("KeyId").asText(), caller);
    if (k == null || !usable(ex, k, "GenerateMac", caller)) {
      return;
    }
    if (!k.hmac) {
      error(ex, 400, "InvalidKeyUsageException", arn(k) + " key usage is ENCRYPT_DECRYPT which "
          + "is not valid for GenerateMac.");
      return;
    }
    if (!"HMAC_SHA_256".equals(req.path("MacAlgorithm").asText())) {
      error(ex, 400, "InvalidKeyUsageException", "The MAC algorithm is not supported by the "
          + "key spec HMAC_256");
      return;
    }
    byte[] message = Base64.getDecoder().decode(req.path("Message").asText(""));
    if (message.length < 1 || message.length > 4096) {
      error(ex, 400, "ValidationException", "1 validation error detected: Value at 'message' "
          + "failed to satisfy constraint: Member must have length between 1 and 4096");
      return;
    }
    javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(k.secret.getEncoded(), "HmacSHA256"));
    byte[] tag = mac.doFinal(message);
    ISSUED.add(tag.clone());
    ObjectNode out = JSON.createObjectNode();
    out.put("KeyId", arn(k));
    out.put("Mac", Base64.getEncoder().encodeToString(tag));
    out.put("MacAlgorithm", "HMAC_SHA_256");
    ok(ex, out);
  }

  private void encrypt(HttpExchange ex, JsonNode req, Map<String, String> context,
      Identity caller) throws Exception {
    Key k = resolve(ex, req.path("KeyId").asText(), caller);
    if (k == null || !usable(ex, k, "Encrypt", caller)) {
      return;
    }
    byte[] pt = Base64.getDecoder().decode(req.path("Plaintext").asText());
    ObjectNode out = JSON.createObjectNode();
    out.put("KeyId", arn(k));
    out.put("CiphertextBlob", Base64.getEncoder().encodeToString(seal(k, pt, context)));
    ok(ex, out);
  }

  private void decrypt(HttpExchange ex, JsonNode req, Map<String, String> context,
      Identity caller) throws Exception {
    byte[] blob = Base64.getDecoder().decode(req.path("CiphertextBlob").asText());
    String blobKeyId = blob.length < HEADER + 2 + PAD + 16 || blob[0] != VERSION ? null
        : keyIdOf(blob);
    Key k = blobKeyId == null ? null : keysById.get(blobKeyId);
    if (k == null) {
      error(ex, 400, "InvalidCiphertextException", null);
      return;
    }
    decryptsByKey.computeIfAbsent(k.id, x -> new AtomicInteger()).incrementAndGet();
    if (req.hasNonNull("KeyId")) {
      Key pinned = resolve(ex, req.path("KeyId").asText(), caller);
      if (pinned == null || !usable(ex, pinned, "Decrypt", caller)) {
        return;
      }
      if (pinned != k) {
        error(ex, 400, "IncorrectKeyException", "The key ID in the request does not identify a "
            + "KMS key that can perform this operation.");
        return;
      }
    } else if (!usable(ex, k, "Decrypt", caller)) {
      return;
    }
    byte[] padded;
    try {
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(Cipher.DECRYPT_MODE, k.secret, new GCMParameterSpec(128, blob, HEADER - 12, 12));
      c.updateAAD(blob, 0, HEADER);
      c.updateAAD(canonical(context));
      padded = c.doFinal(blob, HEADER, blob.length - HEADER);
    } catch (Exception wrongContextOrTampered) {
      error(ex, 400, "InvalidCiphertextException", null);
      return;
    }
    int len = ((padded[0] & 0xff) << 8) | (padded[1] & 0xff);
    byte[] pt = java.util.Arrays.copyOfRange(padded, 2, 2 + len);
    java.util.Arrays.fill(padded, (byte) 0);
    ObjectNode out = JSON.createObjectNode();
    out.put("KeyId", arn(k));
    out.put("Plaintext", Base64.getEncoder().encodeToString(pt));
    out.put("EncryptionAlgorithm", "SYMMETRIC_DEFAULT");
    ok(ex, out);
  }

  private void describeKey(HttpExchange ex, JsonNode req, Identity caller) throws Exception {
    Key k = resolve(ex, req.path("KeyId").asText(), caller);
    if (k == null) {
      return;
    }
    if (!k.allows("DescribeKey", caller)) {
      usable(ex, k, "DescribeKey", caller);
      return;
    }
    ObjectNode meta = JSON.createObjectNode();
    meta.put("KeyId", k.id);
    meta.put("Arn", arn(k));
    meta.put("AWSAccountId", k.account);
    meta.put("Enabled", k.enabled);
    meta.put("KeyState", k.pendingDeletion ? "PendingDeletion"
        : k.enabled ? "Enabled" : "Disabled");
    meta.put("KeySpec", k.hmac ? "HMAC_256" : "SYMMETRIC_DEFAULT");
    meta.put("KeyUsage", k.hmac ? "GENERATE_VERIFY_MAC" : "ENCRYPT_DECRYPT");
    meta.put("MultiRegion", k.id.startsWith("mrk-"));
    ObjectNode out = JSON.createObjectNode();
    out.set("KeyMetadata", meta);
    ok(ex, out);
  }

  /** The key id a blob names: a UUID (form 0) or a multi-Region id (form 1), or null. */
  private static String keyIdOf(byte[] blob) {
    ByteBuffer b = ByteBuffer.wrap(blob, 2, 16);
    if (blob[1] == 0) {
      return new UUID(b.getLong(), b.getLong()).toString();
    }
    if (blob[1] == 1) {
      return "mrk-" + HexFormat.of().formatHex(blob, 2, 18);
    }
    return null;
  }

  private byte[] seal(Key k, byte[] plaintext, Map<String, String> context) throws Exception {
    ByteBuffer header = ByteBuffer.allocate(HEADER).put(VERSION);
    if (k.id.startsWith("mrk-")) {
      header.put((byte) 1).put(HexFormat.of().parseHex(k.id.substring(4)));
    } else {
      UUID u = UUID.fromString(k.id);
      header.put((byte) 0).putLong(u.getMostSignificantBits()).putLong(u.getLeastSignificantBits());
    }
    byte[] nonce = new byte[12];
    random.nextBytes(nonce);
    header.put(k.backingId).put(nonce);
    byte[] padded = new byte[2 + plaintext.length + PAD];
    padded[0] = (byte) (plaintext.length >>> 8);
    padded[1] = (byte) plaintext.length;
    System.arraycopy(plaintext, 0, padded, 2, plaintext.length);
    Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
    c.init(Cipher.ENCRYPT_MODE, k.secret, new GCMParameterSpec(128, nonce));
    c.updateAAD(header.array());
    c.updateAAD(canonical(context));
    byte[] ct = c.doFinal(padded);
    java.util.Arrays.fill(padded, (byte) 0);
    return ByteBuffer.allocate(HEADER + ct.length).put(header.array()).put(ct).array();
  }

  /**
   * The request's encryption context as a map: an object of string values (anything else is a
   * ValidationException; a duplicate key fails parsing).
   */
  private static Map<String, String> context(JsonNode req) {
    JsonNode ctx = req.path("EncryptionContext");
    TreeMap<String, String> m = new TreeMap<>();
    if (ctx.isMissingNode() || ctx.isNull()) {
      return m;
    }
    if (!ctx.isObject()) {
      throw new IllegalArgumentException("EncryptionContext must be a map of strings");
    }
    ctx.fields().forEachRemaining(e -> {
      if (!e.getValue().isTextual()) {
        throw new IllegalArgumentException("EncryptionContext values must be strings");
      }
      m.put(e.getKey(), e.getValue().textValue());
    });
    return m;
  }

  /** An injective encoding of a context: count, then length-prefixed sorted keys and values. */
  private static byte[] canonical(Map<String, String> context) throws IOException {
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    java.io.DataOutputStream out = new java.io.DataOutputStream(bytes);
    out.writeInt(context.size());
    for (Map.Entry<String, String> e : new TreeMap<>(context).entrySet()) {
      for (String s : new String[] {e.getKey(), e.getValue()}) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(b.length);
        out.write(b);
      }
    }
    return bytes.toByteArray();
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
      stsError(ex, 403, "AccessDenied", "User: " + identities.get(accessKeyOf(ex)).principal()
          + " is not authorized to perform: sts:AssumeRole");
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
    String roleArn = params.get("RoleArn");
    String[] roleParts = roleArn.split(":", 6);
    secretsByAccessKey.put(tempKey, tempSecret);
    identities.put(tempKey, new Identity(roleParts[4], "arn:aws:sts::" + roleParts[4]
        + ":assumed-role/" + roleParts[5].substring(roleParts[5].lastIndexOf('/') + 1) + "/"
        + params.get("RoleSessionName")));
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
    java.time.Instant signedAt = java.time.format.DateTimeFormatter
        .ofPattern("yyyyMMdd'T'HHmmss'Z'")
        .withZone(java.time.ZoneOffset.UTC).parse(amzDate, java.time.Instant::from);
    if (Math.abs(java.time.Duration.between(signedAt, java.time.Instant.now()).toMinutes()) > 5) {
      return "signature expired";
    }
    List<String> signed = List.of(m.group(5).split(";"));
    for (String required : expectedService.equals("kms")
        ? List.of("host", "x-amz-date", "x-amz-target", "content-type")
        : List.of("host", "x-amz-date")) {
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
