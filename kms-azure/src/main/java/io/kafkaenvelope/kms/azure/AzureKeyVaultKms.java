package io.kafkaenvelope.kms.azure;

import com.azure.core.exception.ClientAuthenticationException;
import com.azure.core.exception.HttpResponseException;
import com.azure.identity.CredentialUnavailableException;
import com.azure.security.keyvault.keys.cryptography.models.KeyWrapAlgorithm;
import com.azure.security.keyvault.keys.cryptography.models.SignResult;
import com.azure.security.keyvault.keys.cryptography.models.SignatureAlgorithm;
import com.azure.security.keyvault.keys.cryptography.models.UnwrapResult;
import com.azure.security.keyvault.keys.cryptography.models.WrapResult;
import com.azure.security.keyvault.keys.models.KeyOperation;
import com.azure.security.keyvault.keys.models.KeyProperties;
import com.azure.security.keyvault.keys.models.KeyType;
import com.azure.security.keyvault.keys.models.KeyVaultKey;
import com.microsoft.aad.msal4j.MsalServiceException;
import io.kafkaenvelope.kms.DataKey;
import io.kafkaenvelope.kms.EncryptionContext;
import io.kafkaenvelope.kms.KeyManagementService;
import io.kafkaenvelope.kms.KmsException;
import io.kafkaenvelope.kms.KmsException.Reason;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.SecureRandom;
import java.time.OffsetDateTime;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Azure Key Vault or Managed HSM as the KMS. A new DEK is 32 bytes from this JVM's
 * {@link SecureRandom} (Key Vault has no "generate data key"), wrapped with one {@code wrapKey}
 * call on the configured key URL: RSA-OAEP-256 for RSA keys, A256KW for Managed HSM oct-HSM keys.
 * Key Vault answers with the {@code kid} of the key version that wrapped; that version goes into
 * the envelope header as the KEK version and into the wrapped DEK (see {@link AzureWrappedKey}),
 * and {@code unwrapKey} is called on exactly that version of the KEK the record names, so a
 * wrapped key made under another key fails in Key Vault instead of being unwrapped by whatever key
 * it names.
 *
 * <p>RSA wrapping needs only the key's public part, so by default
 * ({@code envelope.kms.azure.rsa.writer.signature=true}) the producer also has Key Vault sign
 * (PS256, on the version that wrapped) a digest of the wrapped DEK, its key version and the
 * encryption context, and the consumer checks that signature with the version's public key
 * ({@link AzureSignatureVerifier}) before it calls {@code unwrapKey}: someone who only read the
 * public key cannot make a wrapped DEK a consumer accepts. Failures map to {@link KmsException}
 * reasons here; building the SDK clients is {@link AzureClients}'s.
 */
final class AzureKeyVaultKms implements KeyManagementService {

  private static final Pattern CODE =
      Pattern.compile("\"code\"\\s*:\\s*\"([A-Za-z0-9_.-]{1,64})\"");
  private static final Pattern MESSAGE = Pattern.compile("\"message\"\\s*:\\s*\"([^\"]{0,300})");

  private final AzureClients clients;
  private final String configuredAlgorithm;
  private final List<String> discoveryHosts;
  private final boolean rsaSignatures;
  private final AzureSignatureVerifier verifier;
  private final Map<AzureKeyUrl, String> algorithms = new ConcurrentHashMap<>();
  private final SecureRandom random = new SecureRandom();
  private final String description;

  AzureKeyVaultKms(AzureKeyVaultConfig config) {
    this.clients = new AzureClients(config);
    this.configuredAlgorithm = config.getString(AzureKeyVaultConfig.WRAP_ALGORITHM);
    this.discoveryHosts = config.discoveryHosts();
    this.rsaSignatures = config.getBoolean(AzureKeyVaultConfig.RSA_WRITER_SIGNATURE);
    this.verifier = new AzureSignatureVerifier(clients);
    this.description = "azure-keyvault(credential=" + clients.credentialKind()
        + ", wrap.algorithm=" + configuredAlgorithm
        + (rsaSignatures ? "" : ", RSA writer signature OFF")
        + (discoveryHosts.isEmpty() ? "" : ", discovery filter=" + discoveryHosts)
        + (config.getBoolean(AzureKeyVaultConfig.VERIFY_CHALLENGE_RESOURCE) ? ""
            : ", challenge resource NOT verified") + ")";
  }

  @Override
  public DataKey generateDataKey(String kekId, EncryptionContext context) {
    AzureKeyUrl kek = keyUrl(kekId);
    String algorithm = algorithmFor(kek, kekId);
    byte[] dek = new byte[DataKey.KEY_LENGTH];
    random.nextBytes(dek);
    byte[] payload = AzureWrappedKey.payload(dek, context);
    try {
      WrapResult r;
      try {
        r = clients.crypto(kek).wrapKey(KeyWrapAlgorithm.fromString(algorithm), payload);
      } catch (RuntimeException e) {
        throw translate(e, kekId, "wrapKey (" + algorithm + ") on " + kek);
      }
      AzureKeyUrl kid = AzureKeyUrl.parse(r.getKeyId());
      if (kid == null || !kid.sameKey(kek) || kid.version == null
          || (kek.version != null && !kek.version.equals(kid.version))) {
        throw new KmsException(Reason.MISCONFIGURED, kekId, "wrapKey on " + kek
            + " answered for another key: kid '" + r.getKeyId() + "'");
      }
      byte[] wrapped = r.getEncryptedKey();
      if (wrapped == null || wrapped.length == 0 || wrapped.length > 1024) {
        throw new KmsException(Reason.MISCONFIGURED, kekId, "wrapKey on " + kek
            + " returned " + (wrapped == null ? 0 : wrapped.length) + " bytes");
      }
      AzureWrappedKey w = new AzureWrappedKey(algorithm, kid.version, wrapped);
      if (rsaSignatures && AzureWrappedKey.RSA_OAEP_256.equals(algorithm)) {
        w = w.signed(sign(kek.withVersion(kid.version), w, context, kekId));
      }
      return new DataKey(dek, w.encode(), kid.version);
    } finally {
      Arrays.fill(dek, (byte) 0);
      Arrays.fill(payload, (byte) 0);
    }
  }

  @Override
  public byte[] unwrap(String kekId, byte[] wrappedKey, EncryptionContext context) {
    AzureKeyUrl kek = keyUrl(kekId);
    AzureWrappedKey w = AzureWrappedKey.parse(wrappedKey);
    if (w == null) {
      throw new KmsException(Reason.INVALID_CIPHERTEXT, kekId, "the wrapped key is not one this "
          + "module makes (format 1: algorithm, key version, Key Vault result; format 2: the "
          + "same with Key Vault's writer signature); not sent");
    }
    if (kek.version != null && !kek.version.equals(w.version)) {
      throw new KmsException(Reason.INVALID_CIPHERTEXT, kekId, "the wrapped key names key "
          + "version '" + w.version + "', not the version in the KEK id; not sent");
    }
    AzureKeyUrl versioned = kek.withVersion(w.version);
    if (rsaSignatures && AzureWrappedKey.RSA_OAEP_256.equals(w.algorithm)) {
      if (w.signature == null) {
        throw new KmsException(Reason.INVALID_CIPHERTEXT, kekId, "the RSA-wrapped key carries "
            + "no writer signature (format 1): anyone with the key's public part could have "
            + "made it; not sent. Records of producers with "
            + AzureKeyVaultConfig.RSA_WRITER_SIGNATURE + "=false are read only with that "
            + "setting false here too");
      }
      verifier.verify(versioned, w, context, kekId);
    }
    String operation = "unwrapKey (" + w.algorithm + ") on " + versioned;
    UnwrapResult r;
    try {
      r = clients.crypto(versioned).unwrapKey(KeyWrapAlgorithm.fromString(w.algorithm),
          w.wrapped);
    } catch (RuntimeException e) {
      throw translate(e, kekId, operation);
    }
    byte[] dek = AzureWrappedKey.dekOf(r.getKey(), context);
    if (dek == null) {
      throw new KmsException(Reason.INVALID_CIPHERTEXT, kekId, operation + " returned a key "
          + "that was not wrapped for this KEK id and purpose (encryption context digest)");
    }
    return dek;
  }

  /**
   * Key Vault's PS256 signature over the wrapped key's digest, made by {@code versioned} (the
   * version that wrapped, so a rotation between the two calls cannot split them).
   */
  private byte[] sign(AzureKeyUrl versioned, AzureWrappedKey w, EncryptionContext context,
      String kekId) {
    SignResult r;
    try {
      r = clients.crypto(versioned).sign(SignatureAlgorithm.PS256, w.signedDigest(context));
    } catch (RuntimeException e) {
      throw translate(e, kekId, "sign (" + AzureWrappedKey.PS256 + ", the writer signature; "
          + AzureKeyVaultConfig.RSA_WRITER_SIGNATURE + ") on " + versioned);
    }
    AzureKeyUrl kid = AzureKeyUrl.parse(r.getKeyId());
    byte[] sig = r.getSignature();
    if (kid == null || !kid.sameKey(versioned) || !versioned.version.equals(kid.version)
        || sig == null || sig.length == 0 || sig.length > 1024) {
      throw new KmsException(Reason.MISCONFIGURED, kekId, "sign on " + versioned + " answered "
          + "for kid '" + r.getKeyId() + "' with " + (sig == null ? 0 : sig.length) + " bytes");
    }
    return sig;
  }

  /**
   * Two KEK ids name the same Key Vault key when both are key URLs with the same host (any case;
   * port 443 or none), the same key name (as written) and: the expected URL has no version (then
   * any version or none matches), or both name the same version. A versionless record never
   * matches a versioned expectation: the record's header version is not part of this decision.
   * A trailing slash is ignored. Anything else, including ids that are not key URLs, is compared
   * exactly.
   */
  @Override
  public boolean sameKek(String expectedKekId, String recordedKekId) {
    AzureKeyUrl e = AzureKeyUrl.parse(expectedKekId);
    AzureKeyUrl r = AzureKeyUrl.parse(recordedKekId);
    if (e == null || r == null) {
      return false;
    }
    return e.sameKey(r) && (e.version == null || e.version.equals(r.version));
  }

  /**
   * Discovery admits key URLs only, and with {@code envelope.kms.azure.discovery.hosts} set only
   * those in the listed vaults or Managed HSMs. The consumer's Entra token goes to the host a
   * record names, so a filter is worth setting; challenge-resource verification keeps the token
   * from hosts outside Key Vault's domains either way.
   */
  @Override
  public boolean discoveryAllows(String recordedKekId) {
    AzureKeyUrl r = AzureKeyUrl.parse(recordedKekId);
    if (r == null) {
      return false;
    }
    return discoveryHosts.isEmpty() || discoveryHosts.contains(r.authority)
        || discoveryHosts.contains(r.host) && r.authority.equals(r.host);
  }

  /**
   * Get key (permission {@code keys/get}, RBAC {@code Microsoft.KeyVault/vaults/keys/read}, e.g.
   * in Key Vault Crypto User and Crypto Service Encryption User): the key exists, is enabled and
   * within its activation and expiry dates (Key Vault answers a disabled key's get with 403
   * KeyDisabled), is of a type that wraps (RSA, RSA-HSM, oct-HSM), and its {@code key_ops}
   * permit {@code wrapKey} (producer; and {@code sign} with
   * {@code envelope.kms.azure.rsa.writer.signature}) or {@code unwrapKey} (consumer). Key Vault
   * has no MAC-based derivation here, so deterministic mode is refused.
   */
  @Override
  public boolean checkKek(String kekId, KekUse use) {
    AzureKeyUrl kek = keyUrl(kekId);
    if (use == KekUse.DERIVE) {
      throw new KmsException(Reason.MISCONFIGURED, kekId, describe() + " cannot derive "
          + "deterministic keys (envelope.mode=deterministic needs aws-kms, vault-transit or "
          + "local)");
    }
    KeyVaultKey key;
    try {
      key = clients.crypto(kek).getKey();
    } catch (RuntimeException e) {
      throw translate(e, kekId, "get key on " + kek);
    }
    KeyProperties p = key.getProperties();
    OffsetDateTime now = OffsetDateTime.now();
    if (Boolean.FALSE.equals(p.isEnabled())
        || p.getExpiresOn() != null && p.getExpiresOn().isBefore(now)
        || p.getNotBefore() != null && p.getNotBefore().isAfter(now)) {
      throw new KmsException(Reason.KEY_DISABLED, kekId, "get key on " + kek + ": enabled="
          + p.isEnabled() + ", notBefore=" + p.getNotBefore() + ", expires=" + p.getExpiresOn());
    }
    KeyType type = key.getKeyType();
    boolean rsa = KeyType.RSA.equals(type) || KeyType.RSA_HSM.equals(type);
    if (!rsa && !KeyType.OCT.equals(type) && !KeyType.OCT_HSM.equals(type)) {
      throw new KmsException(Reason.MISCONFIGURED, kekId, "get key on " + kek + ": key type "
          + type + " cannot wrap keys: use an RSA key (Key Vault) or an oct-HSM key (Managed "
          + "HSM)");
    }
    List<KeyOperation> ops = key.getKeyOperations();
    List<KeyOperation> needed = use == KekUse.DECRYPT ? List.of(KeyOperation.UNWRAP_KEY)
        : rsa && rsaSignatures ? List.of(KeyOperation.WRAP_KEY, KeyOperation.SIGN)
        : List.of(KeyOperation.WRAP_KEY);
    if (ops != null && !ops.isEmpty() && !ops.containsAll(needed)) {
      throw new KmsException(Reason.MISCONFIGURED, kekId, "get key on " + kek + ": its "
          + "permitted operations (key_ops) are " + ops + "; " + (use == KekUse.DECRYPT
              ? "a consumer" : "a producer") + " needs " + needed);
    }
    return true;
  }

  private static AzureKeyUrl keyUrl(String kekId) {
    AzureKeyUrl u = AzureKeyUrl.parse(kekId);
    if (u == null) {
      throw new KmsException(Reason.MISCONFIGURED, kekId, "not a Key Vault or Managed HSM key "
          + "URL (https://<vault>.vault.azure.net/keys/<name>[/<version>])");
    }
    return u;
  }

  /** The configured algorithm, or the one of the key's type, read once per key. */
  private String algorithmFor(AzureKeyUrl kek, String kekId) {
    if (!AzureKeyVaultConfig.AUTO.equals(configuredAlgorithm)) {
      return configuredAlgorithm;
    }
    String known = algorithms.get(kek.versionless());
    if (known != null) {
      return known;
    }
    KeyType type;
    try {
      type = clients.crypto(kek).getKey().getKeyType();
    } catch (RuntimeException e) {
      throw translate(e, kekId, "get key (to choose the wrap algorithm; or set "
          + AzureKeyVaultConfig.WRAP_ALGORITHM + ") on " + kek);
    }
    String algorithm;
    if (KeyType.RSA.equals(type) || KeyType.RSA_HSM.equals(type)) {
      algorithm = AzureWrappedKey.RSA_OAEP_256;
    } else if (KeyType.OCT.equals(type) || KeyType.OCT_HSM.equals(type)) {
      algorithm = AzureWrappedKey.A256KW;
    } else {
      throw new KmsException(Reason.MISCONFIGURED, kekId, "key type " + type + " cannot wrap "
          + "keys: use an RSA key (Key Vault) or an oct-HSM key (Managed HSM)");
    }
    algorithms.put(kek.versionless(), algorithm);
    return algorithm;
  }

  /** Maps an SDK failure to a reason; the message names the operation, key and Key Vault code. */
  static KmsException translate(RuntimeException e, String kekId, String operation) {
    if (e instanceof KmsException) {
      return (KmsException) e;
    }
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof CredentialUnavailableException) {
        return new KmsException(Reason.MISCONFIGURED, kekId, operation + " not attempted: no "
            + "Entra credential (" + AzureKeyVaultConfig.CREDENTIAL + "): " + t.getMessage(), e);
      }
      if (t instanceof MsalServiceException) { // Entra answered the token request
        Integer s = ((MsalServiceException) t).statusCode();
        Reason r = s == null ? Reason.ACCESS_DENIED : s == 429 ? Reason.THROTTLED
            : s >= 500 ? Reason.UNAVAILABLE : Reason.ACCESS_DENIED;
        return new KmsException(r, kekId, operation + " not attempted: Microsoft Entra refused "
            + "the token request (HTTP " + s + ", " + ((MsalServiceException) t).errorCode()
            + "; check " + AzureKeyVaultConfig.CREDENTIAL + " and its settings): "
            + t.getMessage(), e);
      }
    }
    if (e instanceof HttpResponseException && ((HttpResponseException) e).getResponse() != null) {
      int status = ((HttpResponseException) e).getResponse().getStatusCode();
      String text = String.valueOf(e.getMessage());
      Set<String> codes = new LinkedHashSet<>();
      Matcher m = CODE.matcher(text);
      while (m.find()) {
        codes.add(m.group(1));
      }
      Matcher msg = MESSAGE.matcher(text);
      String detail = msg.find() ? msg.group(1) : "";
      // an Entra token error carries Entra's response (400 invalid_client, ...): never a
      // ciphertext or configuration verdict about the key
      Reason reason = e instanceof ClientAuthenticationException ? Reason.ACCESS_DENIED
          : reasonOf(status, codes, detail, operation.startsWith("unwrapKey"));
      String hint = "";
      if (e instanceof ClientAuthenticationException) {
        hint = " (not authenticated: Entra refused the credential or Key Vault the token; check "
            + AzureKeyVaultConfig.CREDENTIAL + " and its settings)";
      } else if (reason == Reason.ACCESS_DENIED) {
        hint = " (the identity needs the key permission for this operation: wrapKey, "
            + "unwrapKey, sign or get (read) data actions, e.g. a custom role; see "
            + "docs/kms-azure.md)";
      } else if (status == 404 && reason != Reason.KEY_NOT_FOUND) {
        hint = " (nothing answers at this path: check the key URL and any proxy; a missing key "
            + "is Key Vault's 404 KeyNotFound)";
      }
      return new KmsException(reason, kekId, operation + " failed: HTTP " + status
          + (codes.isEmpty() ? "" : " " + codes) + (detail.isEmpty() ? "" : ": " + detail)
          + hint, e);
    }
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof IOException || t instanceof UncheckedIOException
          || t instanceof TimeoutException) {
        return new KmsException(Reason.UNAVAILABLE, kekId, operation + " could not reach Key "
            + "Vault: " + t.getClass().getSimpleName() + ": " + t.getMessage(), e);
      }
    }
    if (e instanceof HttpResponseException) { // an Entra answer without a Key Vault response
      return new KmsException(Reason.ACCESS_DENIED, kekId, operation + " failed to get an Entra "
          + "token: " + e.getMessage(), e);
    }
    String text = String.valueOf(e.getMessage());
    if (text.contains("challenge resource") || text.contains("challenge authorization")) {
      return new KmsException(Reason.MISCONFIGURED, kekId, operation + " refused: Key Vault's "
          + "authentication challenge names a resource that is not a parent domain of the key's "
          + "host, so no token was sent (" + AzureKeyVaultConfig.VERIFY_CHALLENGE_RESOURCE
          + "): " + text, e);
    }
    if (e instanceof IllegalArgumentException || e instanceof IllegalStateException) {
      return new KmsException(Reason.MISCONFIGURED, kekId, operation + " refused by the client: "
          + e.getMessage(), e);
    }
    return new KmsException(Reason.UNAVAILABLE, kekId, operation + " failed: "
        + e.getClass().getSimpleName() + ": " + e.getMessage(), e);
  }

  /**
   * Key Vault's status and error codes to a reason. Only Key Vault's own "KeyNotFound" is a
   * missing key: KEY_NOT_FOUND can let a producer send plaintext
   * ({@code envelope.kek.unresolved.policy=plaintext}), so a proxy's bare 404 never counts.
   */
  static Reason reasonOf(int status, Set<String> codes, String detail, boolean unwrap) {
    String lower = detail.toLowerCase(java.util.Locale.ROOT);
    if (status == 404) {
      return codes.contains("KeyNotFound") ? Reason.KEY_NOT_FOUND : Reason.MISCONFIGURED;
    }
    if (status == 401) {
      return Reason.ACCESS_DENIED;
    }
    if (status == 403) {
      return codes.contains("KeyDisabled") || lower.contains("disabled key")
          || lower.contains("expired key") || lower.contains("not yet valid")
          ? Reason.KEY_DISABLED : Reason.ACCESS_DENIED;
    }
    if (status == 429) {
      return Reason.THROTTLED;
    }
    if (status == 408 || status >= 500) {
      return Reason.UNAVAILABLE;
    }
    if (status == 400 && unwrap) {
      return Reason.INVALID_CIPHERTEXT; // BadParameter, "Invalid ciphertext", wrong key type
    }
    return Reason.MISCONFIGURED;
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
    clients.close();
  }
}
