package io.kafkaenvelope.kms.azure;

import com.azure.security.keyvault.keys.models.JsonWebKey;
import com.azure.security.keyvault.keys.models.KeyType;
import com.azure.security.keyvault.keys.models.KeyVaultKey;
import io.kafkaenvelope.kms.EncryptionContext;
import io.kafkaenvelope.kms.KmsException;
import io.kafkaenvelope.kms.KmsException.Reason;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Checks the writer signature of an RSA-wrapped DEK (format 2 of {@link AzureWrappedKey}) with the
 * public part of the key version that wrapped it, before any {@code unwrapKey}. The public key is
 * read from Key Vault once per key version ({@code GET {key}/{version}}) and cached for the
 * client's lifetime: a key version's public part never changes. The signature itself is checked
 * locally with the JDK ({@code RSASSA-PSS}, SHA-256, MGF1-SHA-256, 32-byte salt: Key Vault's
 * PS256), so it costs no Key Vault call per DEK.
 */
final class AzureSignatureVerifier {

  /** More key versions than this (a discovery consumer fed hostile ids) empties the cache. */
  private static final int MAX_KEYS = 256;
  static final PSSParameterSpec PS256 =
      new PSSParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, 32, 1);

  private final AzureClients clients;
  private final Map<AzureKeyUrl, PublicKey> publicKeys = new ConcurrentHashMap<>();

  AzureSignatureVerifier(AzureClients clients) {
    this.clients = clients;
  }

  /**
   * Returns normally when {@code w}'s signature is the key version's over {@code w} and
   * {@code context}; throws {@link Reason#INVALID_CIPHERTEXT} otherwise.
   */
  void verify(AzureKeyUrl versioned, AzureWrappedKey w, EncryptionContext context, String kekId) {
    PublicKey key = publicKey(versioned, kekId);
    boolean valid;
    try {
      Signature s = Signature.getInstance("RSASSA-PSS");
      s.setParameter(PS256);
      s.initVerify(key);
      s.update(w.signedData(context));
      valid = s.verify(w.signature);
    } catch (GeneralSecurityException e) {
      valid = false; // a malformed signature (wrong length, ...) is a bad one
    }
    if (!valid) {
      throw new KmsException(Reason.INVALID_CIPHERTEXT, kekId, "the wrapped key's writer "
          + "signature does not verify with the public key of " + versioned + " over this "
          + "KEK id and purpose: not made by a producer allowed to sign with this key; not "
          + "sent to unwrapKey (" + AzureKeyVaultConfig.RSA_WRITER_SIGNATURE + ")");
    }
  }

  private PublicKey publicKey(AzureKeyUrl versioned, String kekId) {
    PublicKey known = publicKeys.get(versioned);
    if (known != null) {
      return known;
    }
    String operation = "get key (the public key to verify writer signatures; "
        + AzureKeyVaultConfig.RSA_WRITER_SIGNATURE + ") on " + versioned;
    KeyVaultKey k;
    try {
      k = clients.crypto(versioned).getKey();
    } catch (RuntimeException e) {
      throw AzureKeyVaultKms.translate(e, kekId, operation);
    }
    JsonWebKey jwk = k == null ? null : k.getKey();
    AzureKeyUrl kid = jwk == null ? null : AzureKeyUrl.parse(jwk.getId());
    if (kid == null || !kid.sameKey(versioned) || !versioned.version.equals(kid.version)) {
      // a version's public key is cached for good: only take the one Key Vault names as it
      throw new KmsException(Reason.MISCONFIGURED, kekId, operation + " answered for another "
          + "key: kid '" + (jwk == null ? null : jwk.getId()) + "'");
    }
    if (!KeyType.RSA.equals(jwk.getKeyType()) && !KeyType.RSA_HSM.equals(jwk.getKeyType())) {
      throw new KmsException(Reason.INVALID_CIPHERTEXT, kekId, "the wrapped key claims an RSA "
          + "wrap, but " + versioned + " is a " + jwk.getKeyType() + " key; not sent");
    }
    PublicKey key;
    try {
      key = jwk.toRsa(false).getPublic();
    } catch (RuntimeException e) {
      throw new KmsException(Reason.MISCONFIGURED, kekId, operation + " returned no usable RSA "
          + "public key: " + e.getMessage(), e);
    }
    if (!(key instanceof RSAPublicKey) || ((RSAPublicKey) key).getModulus().bitLength() < 2048) {
      throw new KmsException(Reason.MISCONFIGURED, kekId, operation + " returned an RSA key "
          + "shorter than 2048 bits");
    }
    if (publicKeys.size() >= MAX_KEYS) {
      publicKeys.clear();
    }
    publicKeys.put(versioned, key);
    return key;
  }
}
