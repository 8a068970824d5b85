package io.kafkaenvelope.kms.vault;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kafkaenvelope.kms.KmsException.Reason;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP side of the Vault API: one JDK {@link HttpClient} per KMS client, every exchange
 * bounded by a timeout, the namespace header on every request, and retries with exponential
 * backoff and full jitter for what may pass by itself (5xx, 429, connection errors, timeouts).
 * Failures come out as {@link Failure}s carrying Vault's status and error text, never the token
 * or a request body.
 */
final class VaultHttp {

  private static final Logger LOG = LoggerFactory.getLogger(VaultHttp.class);
  static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX_DETAIL = 300;
  /** Vault Transit's error text for a key that does not exist (see {@link #classify}). */
  static final String KEY_NOT_FOUND_TEXT = "encryption key not found";

  private final HttpClient client;
  private final URI address;
  private final String namespace;
  private final long requestTimeoutMs;
  private final int maxAttempts;
  private final long backoffMs;
  private final long backoffMaxMs;

  VaultHttp(VaultTransitConfig config) {
    this.address = config.address();
    this.namespace = config.namespace();
    this.requestTimeoutMs = config.getInt(VaultTransitConfig.REQUEST_TIMEOUT_MS);
    this.maxAttempts = config.getInt(VaultTransitConfig.MAX_ATTEMPTS);
    this.backoffMs = config.getInt(VaultTransitConfig.RETRY_BACKOFF_MS);
    this.backoffMaxMs = config.getInt(VaultTransitConfig.RETRY_BACKOFF_MAX_MS);
    HttpClient.Builder b = HttpClient.newBuilder()
        // HTTP/1.1: no h2c upgrade dance on http:// addresses; a KMS client makes few calls
        .version(HttpClient.Version.HTTP_1_1)
        .followRedirects(HttpClient.Redirect.NEVER) // a redirect must not carry the token away
        .connectTimeout(Duration.ofMillis(config.getInt(VaultTransitConfig.CONNECT_TIMEOUT_MS)));
    if ("https".equalsIgnoreCase(address.getScheme())) {
      b.sslContext(PemTls.context(config.getString(VaultTransitConfig.TLS_CA_FILE),
          config.getString(VaultTransitConfig.TLS_CLIENT_CERT_FILE),
          config.getString(VaultTransitConfig.TLS_CLIENT_KEY_FILE)));
    }
    this.client = b.build();
  }

  /** A Vault request that did not succeed. */
  static final class Failure extends Exception {
    private static final long serialVersionUID = 1L;
    final int status; // 0 when there was no HTTP answer
    final Reason reason;
    final String vaultErrors; // Vault's "errors", lower-cased, for classification

    Failure(int status, Reason reason, String detail, String vaultErrors, Throwable cause) {
      super(detail, cause);
      this.status = status;
      this.reason = reason;
      this.vaultErrors = vaultErrors == null ? "" : vaultErrors.toLowerCase(Locale.ROOT);
    }

    boolean retryable() {
      return !(getCause() instanceof InterruptedException)
          && (reason == Reason.THROTTLED || (reason == Reason.UNAVAILABLE
              && !vaultErrors.contains("vault is sealed")));
    }
  }

  /**
   * Sends {@code method path} (relative to /v1/) with retries until {@code deadlineNanos}.
   *
   * @param token the X-Vault-Token, or null for login requests
   * @return the parsed JSON answer of a 2xx response (an empty object for 204)
   */
  JsonNode call(String method, String path, ObjectNode body, String token, long deadlineNanos)
      throws Failure {
    Failure last = null;
    for (int attempt = 1; ; attempt++) {
      try {
        return once(method, path, body, token, deadlineNanos);
      } catch (Failure f) {
        last = f;
      }
      if (!last.retryable() || attempt >= maxAttempts) {
        throw last;
      }
      long cap = Math.min(backoffMaxMs, backoffMs << Math.min(attempt - 1, 20));
      long delayMs = ThreadLocalRandom.current().nextLong(cap + 1); // full jitter
      if (System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(delayMs) >= deadlineNanos) {
        throw last;
      }
      LOG.debug("Vault {} {} attempt {} failed ({}); retrying in {} ms", method, path, attempt,
          last.getMessage(), delayMs);
      try {
        Thread.sleep(delayMs);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new Failure(0, Reason.UNAVAILABLE, "interrupted", null, e);
      }
    }
  }

  private JsonNode once(String method, String path, ObjectNode body, String token,
      long deadlineNanos) throws Failure {
    long remainingMs = TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime());
    if (remainingMs <= 0) {
      throw new Failure(0, Reason.UNAVAILABLE, "operation timeout reached", null, null);
    }
    long timeoutMs = Math.min(requestTimeoutMs, remainingMs);
    HttpRequest.Builder rb = HttpRequest.newBuilder(address.resolve("/v1/" + path))
        .timeout(Duration.ofMillis(timeoutMs))
        .header("X-Vault-Request", "true")
        .header("Accept", "application/json");
    if (token != null) {
      rb.header("X-Vault-Token", token);
    }
    if (namespace != null) {
      rb.header("X-Vault-Namespace", namespace);
    }
    byte[] payload = null;
    if (body != null) {
      try {
        payload = JSON.writeValueAsBytes(body);
      } catch (IOException e) {
        throw new Failure(0, Reason.MISCONFIGURED, "request not serializable", null, null);
      }
      rb.header("Content-Type", "application/json");
    }
    rb.method(method, payload == null ? HttpRequest.BodyPublishers.noBody()
        : HttpRequest.BodyPublishers.ofByteArray(payload));
    CompletableFuture<HttpResponse<byte[]>> future =
        client.sendAsync(rb.build(), HttpResponse.BodyHandlers.ofByteArray());
    HttpResponse<byte[]> response;
    try {
      // the request timeout covers the headers only; get(...) bounds the whole exchange
      response = future.get(timeoutMs, TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      future.cancel(true);
      throw new Failure(0, Reason.UNAVAILABLE, "no answer from " + address + " within "
          + timeoutMs + " ms", null, null);
    } catch (InterruptedException e) {
      future.cancel(true);
      Thread.currentThread().interrupt();
      throw new Failure(0, Reason.UNAVAILABLE, "interrupted", null, e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof HttpConnectTimeoutException) {
        throw new Failure(0, Reason.UNAVAILABLE, "could not connect to " + address
            + " within the connect timeout", null, null);
      }
      if (e.getCause() instanceof HttpTimeoutException) {
        throw new Failure(0, Reason.UNAVAILABLE, "no answer from " + address + " within "
            + timeoutMs + " ms", null, null);
      }
      throw transportFailure(e.getCause());
    } finally {
      if (payload != null) {
        Arrays.fill(payload, (byte) 0); // the body may hold a secret id, JWT or ciphertext
      }
    }
    byte[] raw = response.body();
    try {
      JsonNode json = raw == null || raw.length == 0 ? JSON.createObjectNode() : parse(raw);
      int status = response.statusCode();
      LOG.debug("Vault {} {} -> HTTP {}", method, path, status);
      if (status >= 200 && status < 300) {
        if (json == null) {
          throw new Failure(status, Reason.UNAVAILABLE, "HTTP " + status
              + " with a body that is not JSON", null, null);
        }
        return json;
      }
      String errors = errors(json);
      throw new Failure(status, classify(status, errors), "HTTP " + status
          + (errors.isEmpty() ? "" : ": " + errors), errors, null);
    } finally {
      if (raw != null) {
        Arrays.fill(raw, (byte) 0); // datakey and decrypt answers hold plaintext keys
      }
    }
  }

  private static JsonNode parse(byte[] raw) {
    try {
      return JSON.readTree(raw);
    } catch (IOException e) {
      return null; // e.g. an HTML page from a proxy in front of Vault
    }
  }

  /** Vault's {"errors": [...]} joined, shortened. */
  private static String errors(JsonNode json) {
    if (json == null || !json.path("errors").isArray()) {
      return "";
    }
    StringBuilder sb = new StringBuilder();
    for (JsonNode e : json.path("errors")) {
      if (sb.length() > 0) {
        sb.append("; ");
      }
      sb.append(e.asText());
    }
    return sb.length() > MAX_DETAIL ? sb.substring(0, MAX_DETAIL) + "..." : sb.toString();
  }

  static Reason classify(int status, String errors) {
    String e = errors.toLowerCase(Locale.ROOT);
    if (status == 403 || status == 401) {
      return Reason.ACCESS_DENIED;
    }
    if (status == 400 && e.trim().equals(KEY_NOT_FOUND_TEXT)) {
      // Transit's definite answer for a missing key, on datakey and decrypt alike:
      // hashicorp/vault builtin/logical/transit/path_datakey.go (pathDatakeyWrite) and
      // path_decrypt.go (pathDecryptWrite) both end in
      //   if p == nil { return logical.ErrorResponse("encryption key not found"),
      //       logical.ErrInvalidRequest }
      // which Vault sends as HTTP 400 {"errors":["encryption key not found"]}.
      return Reason.KEY_NOT_FOUND;
    }
    if (status == 404) {
      // Not "no such key": Vault answers 404 "no handler for route" for a path under no mount
      // (wrong transit mount, wrong namespace), and so does any proxy in front of it. Reporting
      // that as KEY_NOT_FOUND would let envelope.kek.unresolved.policy=plaintext downgrade
      // records to plaintext because of a typo; it is a configuration error.
      return Reason.MISCONFIGURED;
    }
    if (status == 429) {
      return Reason.THROTTLED;
    }
    if (status >= 500) {
      return Reason.UNAVAILABLE; // 503 "Vault is sealed" too, but not retried (see Failure)
    }
    if (e.contains("disallowed by policy") || e.contains("min decryption version")
        || e.contains("less than the minimum")) {
      return Reason.KEY_DISABLED; // the ciphertext's key version was retired
    }
    if (e.contains("message authentication failed") || e.contains("invalid ciphertext")
        || e.contains("key version")
        || e.contains("ciphertext") || e.contains("decrypt")) {
      return Reason.INVALID_CIPHERTEXT;
    }
    return Reason.MISCONFIGURED;
  }

  private Failure transportFailure(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof SSLException) {
        // a certificate or protocol problem does not heal by retrying
        return new Failure(0, Reason.MISCONFIGURED, "TLS with " + address + " failed: "
            + c.getMessage(), null, null);
      }
    }
    String what = t instanceof ConnectException ? "could not connect to " + address
        : "could not reach " + address + ": " + t.getClass().getSimpleName()
            + (t.getMessage() == null ? "" : ": " + t.getMessage());
    return new Failure(0, Reason.UNAVAILABLE, what, null, null);
  }

  URI address() {
    return address;
  }
}
