package io.kafkaenvelope.kms.vault;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kafkaenvelope.kms.DataKey;
import io.kafkaenvelope.kms.EncryptionContext;
import io.kafkaenvelope.kms.KeyManagementService;
import io.kafkaenvelope.kms.KmsException;
import io.kafkaenvelope.kms.KmsException.Reason;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Vault Transit as the KMS. A new DEK is one {@code POST <mount>/datakey/plaintext/<key>}
 * (256 bits): Vault makes the key with its own RNG and returns it with its ciphertext in one
 * round trip, like AWS GenerateDataKey, and a producer's policy needs no {@code encrypt} or
 * {@code decrypt} capability. Unwrapping is {@code POST <mount>/decrypt/<key>}: the path names
 * the KEK, so a wrapped key made under another Transit key fails authentication in Vault instead of
 * being decrypted by whatever key it names. The wrapped DEK is Vault's ciphertext string
 * ({@code vault:vN:...}) and {@code vN} is the KEK version in the envelope.
 */
final class VaultTransitKms implements KeyManagementService {

  /** Transit key names: no slashes, no "..", nothing that could leave the key's path. */
  private static final Pattern KEY_NAME = Pattern.compile("[A-Za-z0-9_-][A-Za-z0-9_.-]{0,254}");
  private static final Pattern CIPHERTEXT =
      Pattern.compile("vault:v([1-9][0-9]{0,9}):[A-Za-z0-9+/]+={0,2}");

  /** The Transit key version deterministic mode's HMAC is pinned to. */
  static final int DETERMINISTIC_KEY_VERSION = 1;

  private final VaultHttp http;
  private final VaultAuth auth;
  private final String mount;
  private final String namespace;
  private final boolean derived;
  private final long operationTimeoutMs;
  private final String description;

  VaultTransitKms(VaultTransitConfig config) {
    this(config, System::nanoTime);
  }

  /** With the clock that times token lifetimes and re-login and lookup windows (tests: fake). */
  VaultTransitKms(VaultTransitConfig config, LongSupplier clock) {
    this(config, clock, VaultAuth.daemonThread());
  }

  /** With the clock and the scheduler of token renewal and re-login (tests pass fake ones). */
  VaultTransitKms(VaultTransitConfig config, LongSupplier clock, VaultAuth.Scheduler scheduler) {
    this.http = new VaultHttp(config);
    this.auth = new VaultAuth(http, config, clock, scheduler);
    this.mount = config.mount(VaultTransitConfig.TRANSIT_MOUNT);
    this.derived = config.getBoolean(VaultTransitConfig.TRANSIT_DERIVED);
    this.operationTimeoutMs = config.getInt(VaultTransitConfig.OPERATION_TIMEOUT_MS);
    String ns = config.namespace();
    this.namespace = ns;
    this.description = "vault-transit(address=" + http.address()
        + (ns == null ? "" : ", namespace=" + ns) + ", mount=" + mount
        + (derived ? ", derived" : "") + ", auth=" + auth.method() + ")";
  }

  @Override
  public DataKey generateDataKey(String kekId, EncryptionContext context) {
    String path = mount + "/datakey/plaintext/" + keyName(kekId);
    ObjectNode body = VaultHttp.JSON.createObjectNode().put("bits", DataKey.KEY_LENGTH * 8);
    addContext(body, context);
    JsonNode data = transit(path, body, kekId, "datakey").path("data");
    String ciphertext = data.path("ciphertext").asText("");
    Matcher m = CIPHERTEXT.matcher(ciphertext);
    if (!m.matches()) {
      throw new KmsException(Reason.MISCONFIGURED, kekId, "datakey on " + path
          + " returned no Transit ciphertext (is '" + kekId + "' an encryption key?)");
    }
    byte[] plaintext = decodeKey(data, kekId, "datakey on " + path);
    try {
      return new DataKey(plaintext, ciphertext.getBytes(StandardCharsets.US_ASCII),
          "v" + m.group(1));
    } finally {
      Arrays.fill(plaintext, (byte) 0);
    }
  }

  @Override
  public byte[] unwrap(String kekId, byte[] wrappedKey, EncryptionContext context) {
    String path = mount + "/decrypt/" + keyName(kekId);
    String ciphertext = new String(wrappedKey, StandardCharsets.US_ASCII);
    if (!CIPHERTEXT.matcher(ciphertext).matches()) {
      throw new KmsException(Reason.INVALID_CIPHERTEXT, kekId, "the wrapped key is not a Vault "
          + "Transit ciphertext (vault:vN:...); not sent to " + path);
    }
    ObjectNode body = VaultHttp.JSON.createObjectNode().put("ciphertext", ciphertext);
    addContext(body, context);
    return decodeKey(transit(path, body, kekId, "decrypt").path("data"), kekId,
        "decrypt on " + path);
  }

  /**
   * Deterministic mode: Transit {@code hmac/<key>/sha2-256} over the context's canonical bytes,
   * with {@code key_version} pinned to 1, so rotating the Transit key does not change the key
   * material (and so every ciphertext of a compacted topic); the key epoch is the rotation.
   * Works with any Transit key type; a token needs {@code update} on {@code <mount>/hmac/<key>*},
   * not on {@code decrypt}. Version 1 must stay at or above the key's
   * {@code min_encryption_version} (Vault's default, 0).
   */
  @Override
  public byte[] deriveKeyMaterial(String kekId, EncryptionContext context) {
    String path = mount + "/hmac/" + keyName(kekId) + "/sha2-256";
    ObjectNode body = VaultHttp.JSON.createObjectNode()
        .put("input", Base64.getEncoder().encodeToString(context.canonicalBytes()))
        .put("key_version", DETERMINISTIC_KEY_VERSION);
    String hmac = transit(path, body, kekId, "hmac").path("data").path("hmac").asText("");
    String prefix = "vault:v" + DETERMINISTIC_KEY_VERSION + ":";
    byte[] mac = null;
    if (hmac.startsWith(prefix)) {
      try {
        mac = Base64.getDecoder().decode(hmac.substring(prefix.length()));
      } catch (IllegalArgumentException e) {
        mac = null;
      }
    }
    if (mac == null || mac.length != DataKey.KEY_LENGTH) {
      throw new KmsException(Reason.INVALID_CIPHERTEXT, kekId, "hmac on " + path
          + " returned no HMAC-SHA256 of key version " + DETERMINISTIC_KEY_VERSION);
    }
    return mac;
  }

  /**
   * Derived keys: Vault derives a key per context, so the context must be the same bytes on
   * datakey and decrypt. The envelope's encryption context (purpose and KEK name) in its canonical
   * encoding is exactly that, with no state to keep.
   */
  private void addContext(ObjectNode body, EncryptionContext context) {
    if (derived) {
      body.put("context", Base64.getEncoder().encodeToString(context.canonicalBytes()));
    }
  }

  private static byte[] decodeKey(JsonNode data, String kekId, String what) {
    String b64 = data.path("plaintext").asText("");
    byte[] key;
    try {
      key = Base64.getDecoder().decode(b64);
    } catch (IllegalArgumentException e) {
      throw new KmsException(Reason.INVALID_CIPHERTEXT, kekId, what + " returned a plaintext "
          + "that is not Base64");
    }
    if (key.length != DataKey.KEY_LENGTH) {
      Arrays.fill(key, (byte) 0);
      throw new KmsException(Reason.INVALID_CIPHERTEXT, kekId, what + " returned "
          + key.length + " bytes, not a data key");
    }
    return key;
  }

  /**
   * A Vault KEK id is a bare Transit key name, and every id this client uses names a key under its
   * own {@code transit.mount} (in its namespace): the mount is never part of the id. So two ids
   * name the same key exactly when both are valid key names and equal, character for character
   * (Vault key names are case-sensitive). Qualified forms such as {@code transit/orders} or
   * {@code transit/keys/orders} match nothing, not even with the configured mount: {@link #unwrap}
   * could not use them either, and a second spelling would be a second way to get a match wrong.
   */
  @Override
  public boolean sameKek(String expectedKekId, String recordedKekId) {
    return validKeyName(expectedKekId) && validKeyName(recordedKekId)
        && expectedKekId.equals(recordedKekId);
  }

  /**
   * Discovery admits any valid Transit key name (the token's policy decides the rest, in Vault);
   * a name that could not be sent to Vault at all is refused here, before any call.
   */
  @Override
  public boolean discoveryAllows(String recordedKekId) {
    return validKeyName(recordedKekId);
  }

  static boolean validKeyName(String kekId) {
    return kekId != null && KEY_NAME.matcher(kekId).matches() && !kekId.contains("..");
  }

  private static String keyName(String kekId) {
    if (!validKeyName(kekId)) {
      throw new KmsException(Reason.MISCONFIGURED, kekId, "not a valid Vault Transit key name "
          + "(letters, digits, '-', '_', '.'; no slashes)");
    }
    return kekId;
  }

  /**
   * Reads {@code <mount>/keys/<name>} (the token needs {@code read} on that path): the key exists
   * (Vault answers a missing key's read with HTTP 404 and no error text), and for data keys its
   * type supports encryption and decryption (signing and {@code hmac} keys do not) and its
   * {@code derived} flag matches {@code transit.derived}; for deterministic mode the HMAC's pinned
   * version 1 is not below {@code min_encryption_version}. Transit keys have no enabled/disabled
   * state; a key Vault refuses to use shows up here as one of these.
   */
  @Override
  public boolean checkKek(String kekId, KekUse use) {
    String path = mount + "/keys/" + keyName(kekId);
    JsonNode data;
    try {
      data = transit("GET", path, null, kekId, "read key").path("data");
    } catch (KmsException e) {
      if (e.getCause() instanceof VaultHttp.Failure f && f.status == 404
          && f.vaultErrors.isEmpty()) {
        throw new KmsException(Reason.KEY_NOT_FOUND, kekId, "read key on " + path + " at "
            + http.address() + ": no Transit key '" + kekId + "' under mount '" + mount + "'");
      }
      throw e;
    }
    String type = data.path("type").asText("?");
    if (use == KekUse.DERIVE) {
      if (data.path("min_encryption_version").asInt(0) > DETERMINISTIC_KEY_VERSION) {
        throw new KmsException(Reason.KEY_DISABLED, kekId, "read key on " + path + ": "
            + "min_encryption_version is " + data.path("min_encryption_version").asInt()
            + ", so Vault refuses the HMAC under version " + DETERMINISTIC_KEY_VERSION
            + " that deterministic mode is pinned to");
      }
      return true;
    }
    String needed = use == KekUse.ENCRYPT ? "supports_encryption" : "supports_decryption";
    if (!data.path(needed).asBoolean(false)) {
      throw new KmsException(Reason.MISCONFIGURED, kekId, "read key on " + path + ": a "
          + type + " key cannot " + (use == KekUse.ENCRYPT ? "encrypt" : "decrypt")
          + " data keys (use an encryption key type such as aes256-gcm96)");
    }
    if (data.path("derived").asBoolean(false) != derived) {
      throw new KmsException(Reason.MISCONFIGURED, kekId, "read key on " + path + ": the key "
          + (derived ? "is not" : "is") + " derived but " + VaultTransitConfig.TRANSIT_DERIVED
          + "=" + derived);
    }
    return true;
  }

  /** An authenticated Transit call; a refused token is replaced once (see {@link VaultAuth}). */
  private JsonNode transit(String path, ObjectNode body, String kekId, String operation) {
    return transit("POST", path, body, kekId, operation);
  }

  private JsonNode transit(String method, String path, ObjectNode body, String kekId,
      String operation) {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(operationTimeoutMs);
    String token = auth.token(kekId, deadline);
    try {
      return http.call(method, path, body, token, deadline);
    } catch (VaultHttp.Failure f) {
      if (f.status != 403) {
        throw translate(f, kekId, operation, path);
      }
      String fresh = auth.afterDenied(token, kekId, deadline);
      if (fresh == null) {
        throw translate(f, kekId, operation, path);
      }
      try {
        return http.call(method, path, body, fresh, deadline);
      } catch (VaultHttp.Failure again) {
        throw translate(again, kekId, operation, path);
      }
    }
  }

  private KmsException translate(VaultHttp.Failure f, String kekId, String operation,
      String path) {
    String hint = "";
    if (f.status == 403) {
      hint = " (permission denied: the token's policies must grant '"
          + (operation.equals("read key") ? "read" : "update") + "' on " + path + ")";
    } else if (f.reason == Reason.KEY_NOT_FOUND) {
      hint = " (no Transit key '" + kekId + "' under mount '" + mount + "')";
    } else if (f.status == 404) {
      hint = " (nothing answers at this path: check " + VaultTransitConfig.TRANSIT_MOUNT
          + " (now '" + mount + "') and " + VaultTransitConfig.NAMESPACE + " (now "
          + (namespace == null ? "unset" : "'" + namespace + "'") + "), and any proxy in front "
          + "of Vault; a missing Transit key would be HTTP 400 'encryption key not found')";
    } else if (f.vaultErrors.contains("vault is sealed")) {
      hint = " (Vault is sealed: an operator must unseal it)";
    } else if (f.vaultErrors.contains("context")) {
      hint = " (check " + VaultTransitConfig.TRANSIT_DERIVED + " against the key's 'derived')";
    }
    return new KmsException(f.reason, kekId, operation + " on " + path + " at "
        + http.address() + " failed: " + f.getMessage() + hint, f);
  }

  VaultAuth auth() {
    return auth;
  }

  @Override
  public String describe() {
    return description;
  }

  @Override
  public String toString() {
    return description;
  }

  @Override
  public void close() {
    auth.close();
  }
}
