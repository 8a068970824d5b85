package io.kafkaenvelope.kms.gcp;

import com.google.cloud.kms.v1.CryptoKey;
import com.google.cloud.kms.v1.CryptoKeyVersion;
import com.google.cloud.kms.v1.DecryptRequest;
import com.google.cloud.kms.v1.DecryptResponse;
import com.google.cloud.kms.v1.EncryptRequest;
import com.google.cloud.kms.v1.EncryptResponse;
import com.google.cloud.kms.v1.GetCryptoKeyRequest;
import com.google.cloud.kms.v1.KeyManagementServiceGrpc;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.protobuf.ByteString;
import com.google.protobuf.Int64Value;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.InsecureServerCredentials;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerCredentials;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.kafkaenvelope.testing.TestPki;
import java.io.File;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.CRC32C;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.bridge.SLF4JBridgeHandler;

/**
 * A wire-compatible Cloud KMS for tests: a real gRPC server (Netty, on 127.0.0.1, TLS with a
 * throw-away CA, or plaintext for the emulator mode) implementing {@code Encrypt} and
 * {@code Decrypt} of {@code google.cloud.kms.v1.KeyManagementService} from Google's published
 * protos, so Google's client runs unchanged against it. Like Cloud KMS it checks resource names
 * (Encrypt: a CryptoKey or CryptoKeyVersion; Decrypt: a CryptoKey only), binds the AAD, refuses a
 * ciphertext of another key, verifies the CRC32C fields and confirms them, and answers with the
 * version that encrypted. Every call must carry {@code authorization: Bearer} with either a
 * service account's self-signed JWT (RS256, verified with the key this fake generated for it) or a
 * token issued by the fake STS of workload identity federation. Fault injection: status storms,
 * latency, denied operations, disabled versions, and responses that break the integrity fields.
 */
final class FakeGcpKms implements AutoCloseable {

  static final String PROJECT = "envelope-test";
  static final String RING = "projects/" + PROJECT + "/locations/europe-west1/keyRings/kafka";
  private static final String SCOPE = "https://www.googleapis.com/auth/cloud-platform";
  private static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
  private static final Context.Key<String> PRINCIPAL = Context.key("principal");
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final List<byte[]> ISSUED = new CopyOnWriteArrayList<>();
  private static final List<String> SECRETS = new CopyOnWriteArrayList<>();

  static {
    // gRPC and google-auth-library log through java.util.logging: route it to the log scan
    if (!SLF4JBridgeHandler.isInstalled()) {
      SLF4JBridgeHandler.removeHandlersForRootLogger();
      SLF4JBridgeHandler.install();
    }
  }

  private static final class Version {
    final int id;
    final SecretKey key;
    volatile boolean enabled = true;

    Version(int id) {
      byte[] k = new byte[32];
      RANDOM.nextBytes(k);
      this.id = id;
      this.key = new SecretKeySpec(k, "AES");
    }
  }

  private static final class Key {
    final List<Version> versions = new CopyOnWriteArrayList<>();
    volatile int primary;
    volatile CryptoKey.CryptoKeyPurpose purpose = CryptoKey.CryptoKeyPurpose.ENCRYPT_DECRYPT;
  }

  private final Map<String, Key> keys = new ConcurrentHashMap<>();
  private final Map<String, PublicKey> serviceAccounts = new ConcurrentHashMap<>();
  private final Map<String, String> tokens = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
  private final Map<String, byte[]> lastAad = new ConcurrentHashMap<>();
  private final List<String> principals = new CopyOnWriteArrayList<>();
  private final AtomicInteger failures = new AtomicInteger();
  private volatile Status.Code failureCode = Status.Code.UNAVAILABLE;
  private volatile long latencyMs;
  private volatile String deniedOperation;
  private volatile boolean skipVerification;
  private volatile boolean corruptChecksums;
  private final boolean tls;
  private final Server server;
  private final Path dir;
  private final TestPki pki;
  private final Path caFile;

  /** A TLS server with a throw-away CA ({@link #caFile()}); every call must authenticate. */
  FakeGcpKms() throws Exception {
    this(true);
  }

  FakeGcpKms(boolean tls) throws Exception {
    this.tls = tls;
    this.dir = Files.createTempDirectory("fake-gcp-kms");
    this.pki = tls ? new TestPki("gcp-kms-test-ca") : null;
    this.caFile = tls ? pki.writeCa(dir.resolve("ca.pem")) : null;
    ServerCredentials creds = tls ? TlsServerCredentials.create(
        pki.writeServerCert(dir.resolve("server.pem")).toFile(),
        pki.writeServerKey(dir.resolve("server.key")).toFile())
        : InsecureServerCredentials.create();
    this.server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0), creds)
        .addService(ServerInterceptors.intercept(new Service(), new Auth()))
        .build().start();
  }

  String endpoint() {
    return "127.0.0.1:" + server.getPort();
  }

  String caFile() {
    return caFile.toString();
  }

  TestPki pki() {
    return pki;
  }

  /** Creates a CryptoKey {@code RING/cryptoKeys/<id>} with version 1 as primary; its name. */
  String createKey(String id) {
    return createKeyNamed(RING + "/cryptoKeys/" + id);
  }

  /** Creates the CryptoKey {@code name} (of any project) with version 1 as primary. */
  String createKeyNamed(String name) {
    Key k = new Key();
    k.versions.add(new Version(1));
    k.primary = 1;
    keys.put(name, k);
    return name;
  }

  /** Adds a version and makes it primary (Cloud KMS rotation); the new version's name. */
  String rotate(String keyName) {
    Key k = keys.get(keyName);
    int id = k.versions.size() + 1;
    k.versions.add(new Version(id));
    k.primary = id;
    return keyName + "/cryptoKeyVersions/" + id;
  }

  /** Sets a CryptoKey's purpose (e.g. ASYMMETRIC_SIGN, MAC), as created. */
  void setPurpose(String keyName, CryptoKey.CryptoKeyPurpose purpose) {
    keys.get(keyName).purpose = purpose;
  }

  void setEnabled(String versionName, boolean enabled) {
    GcpKekName v = GcpKekName.parse(versionName);
    keys.get(v.cryptoKey).versions.get(Integer.parseInt(v.version) - 1).enabled = enabled;
  }

  /**
   * Writes a service-account key file for {@code email} (a fresh RSA key; the token URI points at
   * a closed port, so only the self-signed JWT can authenticate) and trusts its key.
   */
  Path serviceAccount(String email) throws Exception {
    return serviceAccount(email, true);
  }

  /** A key file this fake does not trust (a deleted or foreign key). */
  Path untrustedServiceAccount(String email) throws Exception {
    return serviceAccount(email, false);
  }

  private Path serviceAccount(String email, boolean trusted) throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(2048);
    KeyPair kp = g.generateKeyPair();
    if (trusted) {
      serviceAccounts.put(email, kp.getPublic());
    }
    String pem = TestPki.pem("PRIVATE KEY", kp.getPrivate().getEncoded());
    SECRETS.add(Base64.getEncoder().encodeToString(kp.getPrivate().getEncoded()).substring(40,
        100));
    JsonObject j = new JsonObject();
    j.addProperty("type", "service_account");
    j.addProperty("project_id", PROJECT);
    j.addProperty("private_key_id", "kid-" + email.hashCode());
    j.addProperty("private_key", pem);
    j.addProperty("client_email", email);
    j.addProperty("client_id", "1234567890");
    j.addProperty("token_uri", "http://127.0.0.1:9/token");
    Path file = Files.createTempFile(dir, "sa-", ".json");
    return Files.writeString(file, j.toString());
  }

  /** Accepts {@code token} as a bearer token of {@code principal} (issued by the fake STS). */
  void acceptToken(String token, String principal) {
    tokens.put(token, principal);
    SECRETS.add(token);
  }

  void failNext(int n, Status.Code code) {
    failureCode = code;
    failures.set(n);
  }

  void clearFailures() {
    failures.set(0);
  }

  void latency(long ms) {
    latencyMs = ms;
  }

  /** "Encrypt" or "Decrypt" answers PERMISSION_DENIED, as Cloud KMS does without the role. */
  void denyOperation(String operation) {
    deniedOperation = operation;
  }

  /** Answers with verified_*_crc32c = false, as an endpoint that ignores the checksums. */
  void skipVerification(boolean skip) {
    skipVerification = skip;
  }

  /** Answers with wrong ciphertext/plaintext checksums, as a response corrupted in transit. */
  void corruptChecksums(boolean corrupt) {
    corruptChecksums = corrupt;
  }

  int calls(String operation) {
    AtomicInteger c = calls.get(operation);
    return c == null ? 0 : c.get();
  }

  void resetCounters() {
    calls.clear();
    principals.clear();
  }

  byte[] lastAad(String operation) {
    return lastAad.get(operation);
  }

  /** The principals of the calls since the last reset, in order. */
  List<String> principals() {
    return new ArrayList<>(principals);
  }

  /** Every DEK plaintext this fake was asked to wrap, for the log scan. */
  static List<byte[]> issuedKeys() {
    return Collections.unmodifiableList(ISSUED);
  }

  /** Adds a credential of a test's own to what the log scan looks for. */
  static void addSecret(String secret) {
    SECRETS.add(secret);
  }

  /** Fragments of private keys and the bearer tokens this fake knows, for the log scan. */
  static List<String> secrets() {
    return Collections.unmodifiableList(SECRETS);
  }

  @Override
  public void close() {
    server.shutdownNow();
    try {
      server.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static long crc(ByteString b) {
    CRC32C c = new CRC32C();
    c.update(b.asReadOnlyByteBuffer());
    return c.getValue();
  }

  private final class Auth implements ServerInterceptor {
    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
        ServerCallHandler<Q, R> next) {
      if (!tls) {
        return Contexts.interceptCall(Context.current().withValue(PRINCIPAL, "emulator"), call,
            headers, next);
      }
      String auth = headers.get(AUTHORIZATION);
      String principal = auth == null || !auth.startsWith("Bearer ") ? null
          : principal(auth.substring(7));
      if (principal == null) {
        calls.computeIfAbsent("unauthenticated", k -> new AtomicInteger()).incrementAndGet();
        call.close(Status.UNAUTHENTICATED.withDescription("Request had invalid authentication "
            + "credentials. Expected OAuth 2 access token or other valid credential."),
            new Metadata());
        return new ServerCall.Listener<>() { };
      }
      return Contexts.interceptCall(Context.current().withValue(PRINCIPAL, principal), call,
          headers, next);
    }

    private String principal(String token) {
      String p = tokens.get(token);
      if (p != null) {
        return p;
      }
      String[] parts = token.split("\\.");
      if (parts.length != 3) {
        return null;
      }
      try {
        Base64.Decoder d = Base64.getUrlDecoder();
        JsonObject header = JsonParser.parseString(
            new String(d.decode(parts[0]), StandardCharsets.UTF_8)).getAsJsonObject();
        JsonObject claims = JsonParser.parseString(
            new String(d.decode(parts[1]), StandardCharsets.UTF_8)).getAsJsonObject();
        String iss = claims.get("iss").getAsString();
        PublicKey key = serviceAccounts.get(iss);
        if (key == null || !"RS256".equals(header.get("alg").getAsString())
            || !iss.equals(claims.get("sub").getAsString())
            || !claims.has("scope") || !claims.get("scope").getAsString().contains(SCOPE)
            || claims.get("exp").getAsLong() < System.currentTimeMillis() / 1000) {
          return null;
        }
        Signature s = Signature.getInstance("SHA256withRSA");
        s.initVerify(key);
        s.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
        if (!s.verify(d.decode(parts[2]))) {
          return null;
        }
        SECRETS.add(token);
        return iss;
      } catch (RuntimeException | GeneralSecurityException e) {
        return null;
      }
    }
  }

  private final class Service extends KeyManagementServiceGrpc.KeyManagementServiceImplBase {

    @Override
    public void encrypt(EncryptRequest req, StreamObserver<EncryptResponse> out) {
      try {
        out.onNext(doEncrypt(req));
        out.onCompleted();
      } catch (StatusRuntimeException e) {
        out.onError(e);
      }
    }

    @Override
    public void decrypt(DecryptRequest req, StreamObserver<DecryptResponse> out) {
      try {
        out.onNext(doDecrypt(req));
        out.onCompleted();
      } catch (StatusRuntimeException e) {
        out.onError(e);
      }
    }

    /**
     * GetCryptoKey as Cloud KMS answers it: the CryptoKey with its purpose and its primary
     * version (name and state); NOT_FOUND for a missing key.
     */
    @Override
    public void getCryptoKey(GetCryptoKeyRequest req, StreamObserver<CryptoKey> out) {
      try {
        enter("GetCryptoKey", req.getName());
        Key k = key(req.getName());
        Version p = k.versions.get(k.primary - 1);
        out.onNext(CryptoKey.newBuilder().setName(req.getName()).setPurpose(k.purpose)
            .setPrimary(CryptoKeyVersion.newBuilder()
                .setName(req.getName() + "/cryptoKeyVersions/" + p.id)
                .setState(p.enabled ? CryptoKeyVersion.CryptoKeyVersionState.ENABLED
                    : CryptoKeyVersion.CryptoKeyVersionState.DISABLED))
            .build());
        out.onCompleted();
      } catch (StatusRuntimeException e) {
        out.onError(e);
      }
    }

    private void enter(String operation, String resource) {
      calls.computeIfAbsent(operation, k -> new AtomicInteger()).incrementAndGet();
      principals.add(PRINCIPAL.get());
      long latency = latencyMs;
      if (latency > 0) {
        try {
          Thread.sleep(latency);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      if (failures.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
        throw failureCode == Status.Code.RESOURCE_EXHAUSTED
            ? Status.RESOURCE_EXHAUSTED.withDescription("Quota exceeded for quota metric "
                + "'Cryptographic requests' of service 'cloudkms.googleapis.com'")
                .asRuntimeException()
            : Status.fromCode(failureCode).withDescription("injected " + failureCode)
                .asRuntimeException();
      }
      if (operation.equals(deniedOperation)) {
        String permission = operation.equals("GetCryptoKey") ? "cloudkms.cryptoKeys.get"
            : operation.equals("Encrypt") ? "cloudkms.cryptoKeyVersions.useToEncrypt"
            : "cloudkms.cryptoKeyVersions.useToDecrypt";
        throw Status.PERMISSION_DENIED.withDescription("Permission '" + permission
            + "' denied on resource '" + resource + "' (or it may not exist).")
            .asRuntimeException();
      }
    }

    private Key key(String cryptoKey) {
      Key k = keys.get(cryptoKey);
      if (k == null) {
        throw Status.NOT_FOUND.withDescription(cryptoKey + " not found.").asRuntimeException();
      }
      return k;
    }

    private EncryptResponse doEncrypt(EncryptRequest req) {
      enter("Encrypt", req.getName());
      GcpKekName name = GcpKekName.parse(req.getName());
      if (name == null) {
        throw Status.INVALID_ARGUMENT.withDescription("Resource name [" + req.getName()
            + "] does not match any known pattern.").asRuntimeException();
      }
      Key k = key(name.cryptoKey);
      checkCrc(req.getPlaintext(), req.hasPlaintextCrc32C(), req.getPlaintextCrc32C(),
          "plaintext");
      checkCrc(req.getAdditionalAuthenticatedData(), req.hasAdditionalAuthenticatedDataCrc32C(),
          req.getAdditionalAuthenticatedDataCrc32C(), "additional_authenticated_data");
      Version v = k.versions.get((name.isVersion() ? Integer.parseInt(name.version)
          : k.primary) - 1);
      String versionName = name.cryptoKey + "/cryptoKeyVersions/" + v.id;
      if (!v.enabled) {
        throw Status.FAILED_PRECONDITION.withDescription(versionName + " is not enabled, "
            + "current state is: DISABLED.").asRuntimeException();
      }
      ISSUED.add(req.getPlaintext().toByteArray());
      lastAad.put("Encrypt", req.getAdditionalAuthenticatedData().toByteArray());
      byte[] nonce = new byte[12];
      RANDOM.nextBytes(nonce);
      byte[] sealed = gcm(Cipher.ENCRYPT_MODE, v, nonce, name.cryptoKey,
          req.getAdditionalAuthenticatedData(), req.getPlaintext().toByteArray());
      ByteString ciphertext = ByteString.copyFrom(ByteBuffer.allocate(4 + 12 + sealed.length)
          .putInt(v.id).put(nonce).put(sealed).array());
      return EncryptResponse.newBuilder()
          .setName(versionName)
          .setCiphertext(ciphertext)
          .setCiphertextCrc32C(Int64Value.of(crc(ciphertext) ^ (corruptChecksums ? 1 : 0)))
          .setVerifiedPlaintextCrc32C(req.hasPlaintextCrc32C() && !skipVerification)
          .setVerifiedAdditionalAuthenticatedDataCrc32C(
              req.hasAdditionalAuthenticatedDataCrc32C() && !skipVerification)
          .build();
    }

    private DecryptResponse doDecrypt(DecryptRequest req) {
      enter("Decrypt", req.getName());
      GcpKekName name = GcpKekName.parse(req.getName());
      if (name == null || name.isVersion()) {
        throw Status.INVALID_ARGUMENT.withDescription("Resource name [" + req.getName()
            + "] does not match any known pattern.").asRuntimeException();
      }
      Key k = key(name.cryptoKey);
      checkCrc(req.getCiphertext(), req.hasCiphertextCrc32C(), req.getCiphertextCrc32C(),
          "ciphertext");
      checkCrc(req.getAdditionalAuthenticatedData(), req.hasAdditionalAuthenticatedDataCrc32C(),
          req.getAdditionalAuthenticatedDataCrc32C(), "additional_authenticated_data");
      lastAad.put("Decrypt", req.getAdditionalAuthenticatedData().toByteArray());
      ByteBuffer c = req.getCiphertext().asReadOnlyByteBuffer();
      if (c.remaining() < 4 + 12 + 16) {
        throw invalidCiphertext();
      }
      int id = c.getInt();
      if (id < 1 || id > k.versions.size()) {
        throw invalidCiphertext(); // another key's ciphertext
      }
      Version v = k.versions.get(id - 1);
      if (!v.enabled) {
        throw Status.FAILED_PRECONDITION.withDescription(name.cryptoKey + "/cryptoKeyVersions/"
            + id + " is not enabled, current state is: DISABLED.").asRuntimeException();
      }
      byte[] nonce = new byte[12];
      c.get(nonce);
      byte[] sealed = new byte[c.remaining()];
      c.get(sealed);
      byte[] plain = gcm(Cipher.DECRYPT_MODE, v, nonce, name.cryptoKey,
          req.getAdditionalAuthenticatedData(), sealed);
      ByteString p = ByteString.copyFrom(plain);
      return DecryptResponse.newBuilder()
          .setPlaintext(p)
          .setPlaintextCrc32C(Int64Value.of(crc(p) ^ (corruptChecksums ? 1 : 0)))
          .setUsedPrimary(id == k.primary)
          .build();
    }

    private void checkCrc(ByteString data, boolean present, Int64Value crc, String field) {
      if (present && crc.getValue() != crc(data)) {
        throw Status.INVALID_ARGUMENT.withDescription("The checksum in field " + field
            + "_crc32c did not match the data in field " + field + ".").asRuntimeException();
      }
    }

    private StatusRuntimeException invalidCiphertext() {
      return Status.INVALID_ARGUMENT.withDescription("Decryption failed: the ciphertext is "
          + "invalid.").asRuntimeException();
    }

    private byte[] gcm(int mode, Version v, byte[] nonce, String keyName, ByteString aad,
        byte[] input) {
      try {
        Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
        cipher.init(mode, v.key, new GCMParameterSpec(128, nonce));
        cipher.updateAAD(keyName.getBytes(StandardCharsets.UTF_8));
        cipher.updateAAD(new byte[] {0});
        cipher.updateAAD(aad.toByteArray());
        return cipher.doFinal(input);
      } catch (GeneralSecurityException e) {
        throw invalidCiphertext();
      }
    }
  }

  /** The temp directory holding this fake's PEM and credential files. */
  File dir() {
    return dir.toFile();
  }
}
