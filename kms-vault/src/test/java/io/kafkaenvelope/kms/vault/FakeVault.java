package io.kafkaenvelope.kms.vault;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import javax.net.ssl.SSLContext;

/**
 * A loopback server speaking the part of Vault's HTTP API this module uses, for tests where no
 * Vault can run: X-Vault-Token checks with TTLs (an expired token gets 403 "permission denied"
 * like Vault), per-token path policies matched as Vault matches them (exact paths, a trailing
 * {@code *} as a prefix glob, {@code +} for one path segment), the X-Vault-Namespace header,
 * AppRole and Kubernetes logins only at the mounts where those methods are enabled (Kubernetes
 * logins verify a service-account JWT this fake signed, standing in for the TokenReview API, and
 * its bound service account and namespace), lookup-self, renew-self and revoke-self (Vault's
 * {@code default} policy), login tokens with a number of uses, and Transit engines at enabled
 * mounts with versioned keys, rotate,
 * datakey, encrypt and decrypt. Like Vault, the policy is checked before routing: a path the token
 * may not use is 403 whether or not anything is mounted there; a permitted path under no mount is
 * 404 "no handler for route"; a missing key under a Transit mount is 400 "encryption key not
 * found". Ciphertexts are {@code vault:vN:base64(nonce | AES-GCM)} under the key
 * version's own AES-256 key, derived per context (HKDF-SHA256) for derived keys, and a context on a
 * non-derived key is ignored, as in Vault. It injects errors (any status and errors text, a sealed
 * Vault, latency) and counts calls per operation. With an {@link SSLContext} it serves HTTPS,
 * optionally requiring a client certificate.
 */
final class FakeVault implements AutoCloseable {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final List<byte[]> ISSUED = new CopyOnWriteArrayList<>();
  private static final Set<String> ISSUED_TOKENS = ConcurrentHashMap.newKeySet();
  private static final Pattern CT = Pattern.compile("vault:v(\\d+):(.*)");

  private final HttpServer server;
  private final ExecutorService executor = Executors.newFixedThreadPool(4);
  private final SecureRandom random = new SecureRandom();
  private final Map<String, TransitKey> keys = new ConcurrentHashMap<>(); // mount/name
  private final Map<String, TokenEntry> tokens = new ConcurrentHashMap<>();
  private final Map<String, Login> approles = new ConcurrentHashMap<>(); // mount|role id
  private final Map<String, Login> k8sRoles = new ConcurrentHashMap<>(); // mount|role name
  private final Map<String, String> authMounts = new ConcurrentHashMap<>(); // mount -> type
  private final Set<String> transitMounts = ConcurrentHashMap.newKeySet();
  private final Set<String> revoked = ConcurrentHashMap.newKeySet();
  private final byte[] clusterKey = new byte[32]; // signs service-account JWTs (the "cluster")
  private final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
  private final Deque<int[]> failureStatus = new ArrayDeque<>();
  private final Deque<String> failureText = new ArrayDeque<>();
  private volatile String namespace;
  private volatile long latencyMs;
  private volatile LongSupplier clockMs = System::currentTimeMillis; // token TTLs, JWT expiry
  private final Object holdLock = new Object();
  private boolean holding; // guarded by holdLock: answers wait until released
  private volatile boolean sealed;
  private volatile int loginTokenNumUses; // 0 = unlimited, like token_num_uses
  private final AtomicInteger namespaceMisses = new AtomicInteger();
  volatile String lastNamespace;
  volatile String lastTransitBody;
  volatile String lastKubernetesJwt; // the last JWT a Kubernetes login accepted

  static final class TransitKey {
    final List<byte[]> versions = new CopyOnWriteArrayList<>(); // index 0 = v1
    final boolean derived;
    volatile int minDecryptionVersion = 1;
    volatile int minEncryptionVersion = 0;
    /** Vault's key type; signing types (ed25519, ecdsa-*) cannot encrypt. */
    volatile String type = "aes256-gcm96";

    TransitKey(boolean derived) {
      this.derived = derived;
    }
  }

  final class TokenEntry {
    final long ttlMs; // 0 = no expiry
    final long maxExpiry; // epoch ms, 0 = none
    final boolean renewable;
    final List<String> policy; // paths with update, Vault's glob rules; null = everything (root)
    volatile long expiry; // epoch ms, 0 = never
    volatile boolean fromLogin;
    final AtomicInteger usesLeft = new AtomicInteger(-1); // -1 = unlimited (num_uses = 0)

    TokenEntry(long ttlMs, long maxTtlMs, boolean renewable, List<String> allowed) {
      long now = now();
      this.ttlMs = ttlMs;
      this.maxExpiry = maxTtlMs == 0 ? 0 : now + maxTtlMs;
      this.renewable = renewable;
      this.policy = allowed;
      this.expiry = ttlMs == 0 ? 0 : now + ttlMs;
    }

    boolean valid() {
      return expiry == 0 || now() < expiry;
    }
  }

  /** What a login hands out. */
  static final class Login {
    final String secret; // AppRole: secret id; Kubernetes: "namespace:service account"
    final long ttlMs;
    final long maxTtlMs;
    final boolean renewable;
    final List<String> allowed;

    Login(String secret, long ttlMs, long maxTtlMs, boolean renewable, List<String> allowed) {
      this.secret = secret;
      this.ttlMs = ttlMs;
      this.maxTtlMs = maxTtlMs;
      this.renewable = renewable;
      this.allowed = allowed;
    }
  }

  FakeVault() throws IOException {
    this(null, false);
  }

  FakeVault(SSLContext tls, boolean needClientAuth) throws IOException {
    InetSocketAddress bind = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
    if (tls == null) {
      server = HttpServer.create(bind, 0);
    } else {
      HttpsServer https = HttpsServer.create(bind, 0);
      https.setHttpsConfigurator(new HttpsConfigurator(tls) {
        @Override
        public void configure(HttpsParameters params) {
          javax.net.ssl.SSLParameters p = tls.getDefaultSSLParameters();
          p.setNeedClientAuth(needClientAuth); // SSLParameters win over HttpsParameters' flags
          params.setSSLParameters(p);
        }
      });
      server = https;
    }
    random.nextBytes(clusterKey);
    authMounts.put("approle", "approle");
    authMounts.put("kubernetes", "kubernetes");
    server.createContext("/", this::handle);
    server.setExecutor(executor);
    server.start();
  }

  /**
   * The set-up most tests share: a Vault with the root token {@code token} and non-derived keys
   * {@code transit/<name>} for each of {@code transitKeys}.
   */
  static FakeVault withRootToken(String token, String... transitKeys) throws IOException {
    FakeVault v = new FakeVault();
    v.addToken(token, 0, 0, false, null);
    for (String key : transitKeys) {
      v.createKey("transit", key, false);
    }
    return v;
  }

  /** Client settings for this Vault with {@code token}, retrying fast (5 ms backoff). */
  Map<String, Object> clientConfig(String token) {
    Map<String, Object> c = new HashMap<>();
    c.put("envelope.kms.type", "vault-transit");
    c.put("envelope.kms.vault.address", address());
    c.put("envelope.kms.vault.token", token);
    c.put("envelope.kms.vault.retry.backoff.ms", "5");
    return c;
  }

  /** Before each test: no injected failures, every counter at zero. */
  void reset() {
    clearFailures();
    resetCounters();
  }

  String address() {
    String scheme = server instanceof HttpsServer ? "https" : "http";
    return scheme + "://127.0.0.1:" + server.getAddress().getPort();
  }

  // ---- setup ----

  /** Creates a Transit key; its mount is enabled as a Transit engine if it was not. */
  void createKey(String mount, String name, boolean derived) {
    transitMounts.add(mount);
    TransitKey k = new TransitKey(derived);
    k.versions.add(randomKey());
    keys.put(mount + "/" + name, k);
  }

  /** Sets a key's type, as created with {@code type=} (e.g. {@code ed25519}: no encryption). */
  void keyType(String mount, String name, String type) {
    keys.get(mount + "/" + name).type = type;
  }

  /** {@code min_encryption_version}, as {@code transit/keys/<name>/config} sets it. */
  void minEncryptionVersion(String mount, String name, int v) {
    keys.get(mount + "/" + name).minEncryptionVersion = v;
  }

  void rotate(String mount, String name) {
    keys.get(mount + "/" + name).versions.add(randomKey());
  }

  int latestVersion(String mount, String name) {
    return keys.get(mount + "/" + name).versions.size();
  }

  void minDecryptionVersion(String mount, String name, int v) {
    keys.get(mount + "/" + name).minDecryptionVersion = v;
  }

  /** A token with a TTL (ms, 0 = none), optionally limited to paths starting with the prefixes. */
  void addToken(String token, long ttlMs, long maxTtlMs, boolean renewable, List<String> allowed) {
    tokens.put(token, new TokenEntry(ttlMs, maxTtlMs, renewable, allowed));
    ISSUED_TOKENS.add(token);
  }

  /**
   * Enables an auth method ("approle" or "kubernetes") at a mount; both start at their defaults.
   */
  void enableAuth(String type, String mount) {
    authMounts.put(mount, type);
  }

  void disableAuth(String mount) {
    authMounts.remove(mount);
  }

  /** An AppRole role at the default mount "approle". */
  void addAppRole(String roleId, String secretId, long ttlMs, long maxTtlMs, boolean renewable,
      List<String> allowed) {
    addAppRole("approle", roleId, secretId, ttlMs, maxTtlMs, renewable, allowed);
  }

  void addAppRole(String mount, String roleId, String secretId, long ttlMs, long maxTtlMs,
      boolean renewable, List<String> allowed) {
    approles.put(mount + "|" + roleId,
        new Login(secretId, ttlMs, maxTtlMs, renewable, allowed));
  }

  /**
   * A Kubernetes role at {@code mount}, bound (like bound_service_account_names and
   * bound_service_account_namespaces) to one service account in one namespace.
   */
  void addKubernetesRole(String mount, String role, String namespace, String serviceAccount,
      long ttlMs, List<String> allowed) {
    k8sRoles.put(mount + "|" + role,
        new Login(namespace + ":" + serviceAccount, ttlMs, 0, true, allowed));
  }

  /**
   * A service-account JWT as the cluster would mount it into a pod: HS256 under this fake's
   * cluster key, with {@code sub=system:serviceaccount:<ns>:<sa>} and an expiry. Only such tokens
   * pass a Kubernetes login here (the fake's stand-in for Vault's TokenReview call).
   */
  String serviceAccountJwt(String namespace, String serviceAccount, long ttlMs) {
    try {
      Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
      String header = b64.encodeToString("{\"alg\":\"HS256\",\"typ\":\"JWT\"}"
          .getBytes(StandardCharsets.UTF_8));
      ObjectNode claims = JSON.createObjectNode()
          .put("iss", "kubernetes/serviceaccount")
          .put("sub", "system:serviceaccount:" + namespace + ":" + serviceAccount)
          .put("exp", (now() + ttlMs) / 1000)
          .put("jti", Long.toHexString(random.nextLong()));
      String payload = b64.encodeToString(JSON.writeValueAsBytes(claims));
      String jwt = header + "." + payload + "." + b64.encodeToString(
          hmac(clusterKey, (header + "." + payload).getBytes(StandardCharsets.US_ASCII)));
      ISSUED_TOKENS.add(jwt);
      return jwt;
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The "namespace:serviceaccount" a valid JWT of this cluster names, or null. */
  private String verifyServiceAccountJwt(String jwt) {
    String[] parts = jwt.split("\\.", -1);
    if (parts.length != 3) {
      return null;
    }
    try {
      byte[] expected = hmac(clusterKey,
          (parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
      if (!MessageDigest.isEqual(expected, Base64.getUrlDecoder().decode(parts[2]))) {
        return null;
      }
      JsonNode claims = JSON.readTree(Base64.getUrlDecoder().decode(parts[1]));
      if (claims.path("exp").asLong(0) * 1000 <= now()) {
        return null;
      }
      String sub = claims.path("sub").asText("");
      String prefix = "system:serviceaccount:";
      return sub.startsWith(prefix) ? sub.substring(prefix.length()) : null;
    } catch (IllegalArgumentException | IOException | GeneralSecurityException e) {
      return null;
    }
  }

  private static byte[] hmac(byte[] key, byte[] data) throws GeneralSecurityException {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(key, "HmacSHA256"));
    return mac.doFinal(data);
  }

  /**
   * Tokens issued by later logins may be used this many times (the role's token_num_uses; 0 =
   * unlimited): the request that spends the last use succeeds and the token is revoked after it.
   */
  void loginTokenNumUses(int n) {
    loginTokenNumUses = n;
  }

  /** Requests must carry this X-Vault-Namespace (null: none expected). */
  void namespace(String ns) {
    this.namespace = ns;
  }

  /** Every token a login issued so far expires now (as if the process slept past the TTL). */
  void expireAllTokens() {
    for (TokenEntry t : tokens.values()) {
      if (t.fromLogin) {
        t.expiry = 1;
      }
    }
  }

  void revoke(String token) {
    tokens.remove(token);
    revoked.add(token);
  }

  boolean wasRevoked(String token) {
    return revoked.contains(token);
  }

  /** Tokens this fake issued at logins and that are still valid. */
  List<String> liveLoginTokens() {
    List<String> out = new ArrayList<>();
    tokens.forEach((k, v) -> {
      if (v.fromLogin && v.valid()) {
        out.add(k);
      }
    });
    return out;
  }

  /** The next {@code n} Transit requests answer {@code status} with {@code errors}. */
  synchronized void failNext(int n, int status, String errors) {
    for (int i = 0; i < n; i++) {
      failureStatus.add(new int[] {status});
      failureText.add(errors);
    }
  }

  synchronized void clearFailures() {
    failureStatus.clear();
    failureText.clear();
  }

  void sealed(boolean s) {
    sealed = s;
  }

  void latency(long ms) {
    latencyMs = ms;
  }

  /**
   * The clock (epoch milliseconds) that times token TTLs and JWT expiry: the wall clock unless a
   * test passes a fake one it advances (see {@link ManualTime}).
   */
  void clock(LongSupplier ms) {
    clockMs = ms;
  }

  private long now() {
    return clockMs.getAsLong();
  }

  /**
   * From now on, every answer waits (at most 60 s) until {@link #releaseAnswers()} or
   * {@link #close()}: a Vault that never answers in time, however fast or slow this machine is.
   */
  void holdAnswers() {
    synchronized (holdLock) {
      holding = true;
    }
  }

  void releaseAnswers() {
    synchronized (holdLock) {
      holding = false;
      holdLock.notifyAll();
    }
  }

  private void awaitRelease() throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    synchronized (holdLock) {
      long left;
      while (holding && (left = end - System.nanoTime()) > 0) {
        TimeUnit.NANOSECONDS.timedWait(holdLock, left);
      }
    }
  }

  int calls(String op) {
    return calls.computeIfAbsent(op, k -> new AtomicInteger()).get();
  }

  /**
   * Waits until {@code op} was called at least {@code n} times (counted as the request arrives),
   * at most {@code timeoutMs}; true when it was.
   */
  boolean awaitCalls(String op, int n, long timeoutMs) throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
    synchronized (calls) {
      long left;
      while (calls(op) < n && (left = end - System.nanoTime()) > 0) {
        TimeUnit.NANOSECONDS.timedWait(calls, left);
      }
      return calls(op) >= n;
    }
  }

  void resetCounters() {
    calls.clear();
  }

  int namespaceMisses() {
    return namespaceMisses.get();
  }

  static List<byte[]> issuedKeys() {
    return List.copyOf(ISSUED);
  }

  static Set<String> issuedTokens() {
    return Set.copyOf(ISSUED_TOKENS);
  }

  @Override
  public void close() {
    releaseAnswers(); // no held answer keeps the server from stopping
    server.stop(0);
    executor.shutdownNow();
  }

  // ---- HTTP ----

  private void handle(HttpExchange ex) throws IOException {
    try {
      byte[] raw = ex.getRequestBody().readAllBytes();
      JsonNode body = raw.length == 0 ? JSON.createObjectNode() : JSON.readTree(raw);
      if (sealed) {
        count("sealed");
        error(ex, 503, "Vault is sealed");
        return;
      }
      String path = ex.getRequestURI().getPath();
      if (!path.startsWith("/v1/")) {
        error(ex, 404, "no handler for route");
        return;
      }
      path = path.substring(4);
      lastNamespace = ex.getRequestHeaders().getFirst("X-Vault-Namespace");
      String ns = namespace;
      if (ns != null && !ns.equals(lastNamespace)) {
        namespaceMisses.incrementAndGet();
        error(ex, 403, "permission denied"); // the token does not exist in the root namespace
        return;
      }
      route(ex, path, body);
    } catch (Exception e) {
      error(ex, 500, "internal error: " + e.getClass().getSimpleName());
    } finally {
      ex.close();
    }
  }

  private void route(HttpExchange ex, String path, JsonNode body) throws IOException,
      GeneralSecurityException {
    if (path.startsWith("auth/") && path.endsWith("/login")) {
      String mount = path.substring(5, path.length() - "/login".length());
      String type = authMounts.get(mount);
      if (type != null) { // only a mounted auth method's login path is unauthenticated
        login(ex, path, mount, type, body);
        return;
      }
    }
    String tokenValue = ex.getRequestHeaders().getFirst("X-Vault-Token");
    TokenEntry token = tokenValue == null ? null : tokens.get(tokenValue);
    if (path.equals("auth/token/lookup-self")) {
      count("lookup-self");
      if (token == null || !token.valid() || !spendUse(tokenValue, token)) {
        error(ex, 403, "permission denied");
        return;
      }
      ObjectNode data = JSON.createObjectNode();
      data.put("ttl", token.expiry == 0 ? 0 : (token.expiry - now()) / 1000);
      data.put("renewable", token.renewable);
      send(ex, 200, JSON.createObjectNode().set("data", data));
      return;
    }
    if (path.equals("auth/token/revoke-self")) {
      count("revoke-self");
      if (token == null || !token.valid()) {
        error(ex, 403, "permission denied");
        return;
      }
      revoke(tokenValue);
      send(ex, 204, null);
      return;
    }
    if (path.equals("auth/token/renew-self")) {
      count("renew-self");
      if (token == null || !token.valid()) {
        error(ex, 403, "permission denied");
        return;
      }
      if (!token.renewable) {
        error(ex, 400, "lease is not renewable");
        return;
      }
      long now = now();
      long expiry = now + token.ttlMs;
      if (token.maxExpiry != 0) {
        expiry = Math.min(expiry, token.maxExpiry);
      }
      token.expiry = expiry;
      ObjectNode auth = JSON.createObjectNode().put("client_token", tokenValue)
          .put("lease_duration", (expiry - now) / 1000).put("renewable", token.renewable);
      send(ex, 200, JSON.createObjectNode().set("auth", auth));
      return;
    }
    // as in Vault: the token and its policy first (403), then routing (404)
    String[] op = transitOp(path);
    if (op != null) {
      count(op[1]);
      count(op[1] + ":" + op[2]); // per key, e.g. "decrypt:orders"
    }
    if (token == null || !token.valid() || !allowed(token, path)
        || !spendUse(tokenValue, token)) {
      count("denied");
      error(ex, 403, "1 error occurred:\n\t* permission denied\n\n");
      return;
    }
    if (op == null || !transitMounts.contains(op[0])) {
      count("no-route");
      error(ex, 404, "no handler for route \"" + path + "\". route entry not found.");
      return;
    }
    String mount = op[0];
    String operation = op[1];
    String name = op[2];
    synchronized (this) {
      if (!failureStatus.isEmpty()) {
        int status = failureStatus.poll()[0];
        error(ex, status, failureText.poll());
        return;
      }
    }
    lastTransitBody = body.toString();
    String hmacAlgorithm = body.path("algorithm").asText("sha2-256");
    if (operation.equals("hmac") && name.contains("/")) { // transit/hmac/:name/:algorithm
      hmacAlgorithm = name.substring(name.indexOf('/') + 1);
      name = name.substring(0, name.indexOf('/'));
    }
    TransitKey key = keys.get(mount + "/" + name);
    // A missing key is HTTP 400 {"errors":["encryption key not found"]} on datakey, decrypt and
    // rotate, as in hashicorp/vault builtin/logical/transit/path_datakey.go and path_decrypt.go:
    //   return logical.ErrorResponse("encryption key not found"), logical.ErrInvalidRequest
    if (operation.equals("keys")) {
      readKey(ex, key, name);
      return;
    }
    if (operation.equals("rotate")) {
      if (key == null) {
        error(ex, 400, "encryption key not found");
        return;
      }
      key.versions.add(randomKey());
      send(ex, 204, null);
      return;
    }
    if (key == null) {
      error(ex, 400, "encryption key not found");
      return;
    }
    if (operation.equals("hmac")) {
      hmac(ex, key, body, hmacAlgorithm);
      return;
    }
    byte[] context = null;
    if (key.derived) {
      if (!body.hasNonNull("context")) {
        error(ex, 400, "missing 'context' for key derivation; the key was created using a "
            + "derived key, which means additional, per-request information must be included "
            + "in order to perform operations with the key");
        return;
      }
      context = Base64.getDecoder().decode(body.get("context").asText());
    }
    ObjectNode data = JSON.createObjectNode();
    switch (operation) {
      case "datakey/plaintext":
      case "datakey/wrapped": {
        int bits = body.path("bits").asInt(256);
        byte[] dek = new byte[bits / 8];
        random.nextBytes(dek);
        ISSUED.add(dek.clone());
        int v = key.versions.size();
        data.put("ciphertext", encrypt(key, v, context, dek));
        data.put("key_version", v);
        if (operation.equals("datakey/plaintext")) {
          data.put("plaintext", Base64.getEncoder().encodeToString(dek));
        }
        break;
      }
      case "encrypt": {
        int v = key.versions.size();
        data.put("ciphertext", encrypt(key, v,
            context, Base64.getDecoder().decode(body.path("plaintext").asText(""))));
        data.put("key_version", v);
        break;
      }
      default: { // decrypt
        Matcher m = CT.matcher(body.path("ciphertext").asText(""));
        if (!m.matches()) {
          error(ex, 400, "invalid ciphertext: no prefix");
          return;
        }
        int v = Integer.parseInt(m.group(1));
        if (v < key.minDecryptionVersion) {
          error(ex, 400, "ciphertext or signature version is disallowed by policy (too old)");
          return;
        }
        if (v > key.versions.size()) {
          error(ex, 400, "invalid key version");
          return;
        }
        byte[] blob = Base64.getDecoder().decode(m.group(2));
        try {
          Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
          c.init(Cipher.DECRYPT_MODE, versionKey(key, v, context),
              new GCMParameterSpec(128, blob, 0, 12));
          data.put("plaintext", Base64.getEncoder().encodeToString(
              c.doFinal(blob, 12, blob.length - 12)));
        } catch (GeneralSecurityException e) {
          error(ex, 400, "cipher: message authentication failed");
          return;
        }
      }
    }
    send(ex, 200, JSON.createObjectNode().put("lease_duration", 0).set("data", data));
  }

  /**
   * {@code transit/hmac/:name(/:algorithm)}, as in hashicorp/vault builtin/logical/transit/
   * path_hmac.go: {@code input} is Base64, {@code key_version} 0 or absent means the latest and
   * a version above it is refused; the answer is {@code vault:v<N>:<Base64 MAC>}. Each key version
   * has its own HMAC key (Vault keeps one beside the encryption key; here derived from it), and
   * derived (convergent) keys need no context for it.
   */
  private void hmac(HttpExchange ex, TransitKey key, JsonNode body, String algorithm)
      throws IOException, GeneralSecurityException {
    if (!algorithm.equals("sha2-256")) {
      error(ex, 400, "unsupported algorithm " + algorithm);
      return;
    }
    int v = body.path("key_version").asInt(0);
    if (v == 0) {
      v = key.versions.size();
    }
    if (v < 0 || v > key.versions.size()) {
      error(ex, 400, "invalid key version");
      return;
    }
    byte[] input;
    try {
      input = Base64.getDecoder().decode(body.path("input").asText(""));
    } catch (IllegalArgumentException e) {
      error(ex, 400, "unable to decode input as base64: " + e.getMessage());
      return;
    }
    javax.crypto.Mac versionMac = javax.crypto.Mac.getInstance("HmacSHA256");
    versionMac.init(new javax.crypto.spec.SecretKeySpec(key.versions.get(v - 1),
        "HmacSHA256"));
    byte[] hmacKey = versionMac.doFinal("hmac-key".getBytes(StandardCharsets.US_ASCII));
    javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
    mac.init(new javax.crypto.spec.SecretKeySpec(hmacKey, "HmacSHA256"));
    byte[] tag = mac.doFinal(input);
    ISSUED.add(tag.clone());
    ObjectNode data = JSON.createObjectNode();
    data.put("hmac", "vault:v" + v + ":" + Base64.getEncoder().encodeToString(tag));
    send(ex, 200, JSON.createObjectNode().put("lease_duration", 0).set("data", data));
  }

  /**
   * {@code GET <mount>/keys/<name>} as Vault answers it (builtin/logical/transit/path_keys.go,
   * pathPolicyRead): the key's metadata, or, for a missing key, {@code return nil, nil}, which
   * Vault sends as HTTP 404 with an empty {@code errors} list (a path no engine serves is 404
   * "no handler for route").
   */
  private void readKey(HttpExchange ex, TransitKey key, String name) throws IOException {
    if (!ex.getRequestMethod().equals("GET")) {
      error(ex, 405, "unsupported operation");
      return;
    }
    if (key == null) {
      send(ex, 404, JSON.createObjectNode().set("errors", JSON.createArrayNode()));
      return;
    }
    boolean encrypts = !key.type.startsWith("ed25519") && !key.type.startsWith("ecdsa")
        && !key.type.equals("hmac");
    ObjectNode data = JSON.createObjectNode();
    data.put("name", name);
    data.put("type", key.type);
    data.put("derived", key.derived);
    data.put("deletion_allowed", false);
    data.put("exportable", false);
    data.put("latest_version", key.versions.size());
    data.put("min_decryption_version", key.minDecryptionVersion);
    data.put("min_encryption_version", key.minEncryptionVersion);
    data.put("supports_encryption", encrypts);
    data.put("supports_decryption", encrypts);
    data.put("supports_derivation", encrypts);
    data.put("supports_signing", !encrypts && !key.type.equals("hmac"));
    ObjectNode versions = JSON.createObjectNode();
    for (int v = 1; v <= key.versions.size(); v++) {
      versions.put(Integer.toString(v), 1_700_000_000L + v);
    }
    data.set("keys", versions);
    send(ex, 200, JSON.createObjectNode().set("data", data));
  }

  /** {mount, operation, key} of a Transit path, or null. */
  private static String[] transitOp(String path) {
    for (String op : new String[] {"/datakey/plaintext/", "/datakey/wrapped/", "/encrypt/",
        "/decrypt/", "/hmac/"}) {
      int i = path.indexOf(op);
      if (i > 0) {
        return new String[] {path.substring(0, i), op.substring(1, op.length() - 1),
            path.substring(i + op.length())};
      }
    }
    int i = path.indexOf("/keys/");
    if (i > 0 && path.endsWith("/rotate")) {
      return new String[] {path.substring(0, i), "rotate",
          path.substring(i + 6, path.length() - "/rotate".length())};
    }
    if (i > 0 && path.indexOf('/', i + 6) < 0) {
      return new String[] {path.substring(0, i), "keys", path.substring(i + 6)};
    }
    return null;
  }

  /**
   * Claims one use of the token, atomically: requests racing for a token's last use get one
   * success between them, as in Vault. Returns false when no use is left (the token is gone).
   */
  private boolean spendUse(String value, TokenEntry t) {
    int before = t.usesLeft.getAndUpdate(u -> u > 0 ? u - 1 : u);
    if (before == 1) {
      tokens.remove(value); // the last use: Vault revokes the token after this request
    }
    return before != 0; // -1: unlimited
  }

  private static boolean allowed(TokenEntry t, String path) {
    return t.policy == null || t.policy.stream().anyMatch(p -> policyMatches(p, path));
  }

  /**
   * Vault's path matching: a policy path matches exactly, unless it ends in {@code *} (then it is
   * a prefix: {@code transit/decrypt/kafka-*} matches {@code transit/decrypt/kafka-anything});
   * a {@code +} segment matches any one path segment. Nothing else is a wildcard.
   */
  static boolean policyMatches(String policyPath, String path) {
    boolean glob = policyPath.endsWith("*");
    String pattern = glob ? policyPath.substring(0, policyPath.length() - 1) : policyPath;
    StringBuilder regex = new StringBuilder();
    String[] segments = pattern.split("/", -1);
    for (int i = 0; i < segments.length; i++) {
      if (i > 0) {
        regex.append('/');
      }
      regex.append(segments[i].equals("+") ? "[^/]+" : Pattern.quote(segments[i]));
    }
    if (glob) {
      regex.append(".*");
    }
    return Pattern.matches(regex.toString(), path);
  }

  private void login(HttpExchange ex, String path, String mount, String type, JsonNode body)
      throws IOException {
    Login login;
    if (type.equals("approle")) {
      count("login/approle");
      login = approles.get(mount + "|" + body.path("role_id").asText(""));
      if (login == null || !login.secret.equals(body.path("secret_id").asText(""))) {
        error(ex, 400, "invalid role or secret ID");
        return;
      }
    } else {
      count("login/kubernetes");
      login = k8sRoles.get(mount + "|" + body.path("role").asText(""));
      if (login == null) {
        error(ex, 400, "invalid role name \"" + body.path("role").asText("") + "\"");
        return;
      }
      String subject = verifyServiceAccountJwt(body.path("jwt").asText(""));
      if (subject == null) {
        count("login/kubernetes/bad-jwt");
        error(ex, 403, "permission denied");
        return;
      }
      String[] bound = login.secret.split(":", 2);
      String[] sa = subject.split(":", 2);
      if (sa.length != 2 || !bound[0].equals(sa[0])) {
        error(ex, 403, "namespace not authorized");
        return;
      }
      if (!bound[1].equals(sa[1])) {
        error(ex, 403, "service account name not authorized");
        return;
      }
      lastKubernetesJwt = body.path("jwt").asText();
    }
    count("login:" + path);
    byte[] id = new byte[18];
    random.nextBytes(id);
    String token = "hvs." + Base64.getUrlEncoder().withoutPadding().encodeToString(id);
    addToken(token, login.ttlMs, login.maxTtlMs, login.renewable, login.allowed);
    tokens.get(token).fromLogin = true;
    count("login-issued"); // the token exists now (expireAllTokens reaches it)
    if (loginTokenNumUses > 0) {
      tokens.get(token).usesLeft.set(loginTokenNumUses);
    }
    ObjectNode auth = JSON.createObjectNode().put("client_token", token)
        .put("accessor", "acc-" + token.hashCode()).put("lease_duration", login.ttlMs / 1000)
        .put("renewable", login.renewable);
    send(ex, 200, JSON.createObjectNode().set("auth", auth));
  }

  private String encrypt(TransitKey key, int version, byte[] context, byte[] plaintext)
      throws GeneralSecurityException {
    byte[] nonce = new byte[12];
    random.nextBytes(nonce);
    Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
    c.init(Cipher.ENCRYPT_MODE, versionKey(key, version, context),
        new GCMParameterSpec(128, nonce));
    byte[] ct = c.doFinal(plaintext);
    ByteBuffer out = ByteBuffer.allocate(12 + ct.length).put(nonce).put(ct);
    return "vault:v" + version + ":" + Base64.getEncoder().encodeToString(out.array());
  }

  /** The version's key; for derived keys HKDF-SHA256(key, info = context), as Transit does. */
  private static SecretKeySpec versionKey(TransitKey key, int version, byte[] context)
      throws GeneralSecurityException {
    byte[] k = key.versions.get(version - 1);
    if (!key.derived) {
      return new SecretKeySpec(k, "AES");
    }
    Mac extract = Mac.getInstance("HmacSHA256");
    extract.init(new SecretKeySpec(new byte[32], "HmacSHA256"));
    byte[] prk = extract.doFinal(k);
    Mac expand = Mac.getInstance("HmacSHA256");
    expand.init(new SecretKeySpec(prk, "HmacSHA256"));
    expand.update(context);
    expand.update((byte) 1);
    return new SecretKeySpec(expand.doFinal(), "AES");
  }

  private byte[] randomKey() {
    byte[] k = new byte[32];
    random.nextBytes(k);
    return k;
  }

  private void count(String op) {
    calls.computeIfAbsent(op, k -> new AtomicInteger()).incrementAndGet();
    synchronized (calls) {
      calls.notifyAll();
    }
  }

  private void error(HttpExchange ex, int status, String message) throws IOException {
    ObjectNode body = JSON.createObjectNode();
    body.putArray("errors").add(message);
    send(ex, status, body);
  }

  /**
   * Answers, once released (see {@link #holdAnswers()}) and after the injected latency (the request
   * itself was handled, and counted, at once).
   */
  private void send(HttpExchange ex, int status, JsonNode body) throws IOException {
    try {
      awaitRelease();
      if (latencyMs > 0) {
        Thread.sleep(latencyMs);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    }
    if (body == null) {
      ex.sendResponseHeaders(status, -1);
      return;
    }
    byte[] b = JSON.writeValueAsBytes(body);
    ex.getResponseHeaders().set("Content-Type", "application/json");
    ex.sendResponseHeaders(status, b.length);
    ex.getResponseBody().write(b);
  }

  static List<String> list(String... s) {
    return new ArrayList<>(List.of(s));
  }
}
