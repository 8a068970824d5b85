package io.kafkaenvelope.crypto;

import io.kafkaenvelope.wire.WireFormat;
import java.security.GeneralSecurityException;
import java.security.NoSuchAlgorithmException;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.NoSuchPaddingException;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;

/**
 * AES-256-GCM through the JCA, one {@link Cipher} per thread. Tink's AEAD would draw a random nonce
 * from {@code SecureRandom} on every call (a synchronized ~220 ns here); the envelope's nonces come
 * from a per-DEK counter instead, which needs a cipher that takes the nonce from the caller.
 * Callers lay the nonce into the output array themselves so no per-record nonce array exists.
 */
public final class AesGcm {

  private static final int TAG_BITS = WireFormat.TAG_LENGTH * 8;
  private static final ThreadLocal<Cipher> CIPHER = ThreadLocal.withInitial(AesGcm::newCipher);

  private AesGcm() {}

  /**
   * Encrypts {@code plaintext} into {@code out}: the nonce must already sit at
   * {@code out[nonceOffset .. nonceOffset + 12)}; ciphertext and tag follow it and must fit.
   */
  public static void encrypt(SecretKey key, byte[] aad, byte[] plaintext, byte[] out,
      int nonceOffset) throws GeneralSecurityException {
    Cipher cipher = CIPHER.get();
    cipher.init(Cipher.ENCRYPT_MODE, key,
        new GCMParameterSpec(TAG_BITS, out, nonceOffset, WireFormat.NONCE_LENGTH));
    cipher.updateAAD(aad);
    cipher.doFinal(plaintext, 0, plaintext.length, out, nonceOffset + WireFormat.NONCE_LENGTH);
  }

  /**
   * Encrypts with a clear prefix: {@code plaintext[0 .. clearPrefixLength)} is copied to the front
   * of {@code out} unencrypted and authenticated after {@code aad}; the rest of the plaintext is
   * encrypted behind the nonce, which must already sit at {@code out[clearPrefixLength]}.
   */
  public static void encryptWithClearPrefix(SecretKey key, byte[] aad, byte[] plaintext,
      int clearPrefixLength, byte[] out) throws GeneralSecurityException {
    System.arraycopy(plaintext, 0, out, 0, clearPrefixLength);
    Cipher cipher = CIPHER.get();
    cipher.init(Cipher.ENCRYPT_MODE, key,
        new GCMParameterSpec(TAG_BITS, out, clearPrefixLength, WireFormat.NONCE_LENGTH));
    cipher.updateAAD(aad);
    cipher.updateAAD(out, 0, clearPrefixLength);
    cipher.doFinal(plaintext, clearPrefixLength, plaintext.length - clearPrefixLength, out,
        clearPrefixLength + WireFormat.NONCE_LENGTH);
  }

  /**
   * The inverse of {@link #encryptWithClearPrefix}: {@code in} is clear prefix, nonce, ciphertext
   * and tag; returns the clear prefix followed by the decrypted rest.
   *
   * @throws AEADBadTagException if anything was changed, including the clear prefix
   */
  public static byte[] decryptWithClearPrefix(SecretKey key, byte[] aad, int aadOffset,
      int aadLength, byte[] in, int clearPrefixLength) throws GeneralSecurityException {
    int ctOffset = clearPrefixLength + WireFormat.NONCE_LENGTH;
    if (in.length - ctOffset < WireFormat.TAG_LENGTH) {
      throw new AEADBadTagException("ciphertext shorter than the tag");
    }
    Cipher cipher = CIPHER.get();
    cipher.init(Cipher.DECRYPT_MODE, key,
        new GCMParameterSpec(TAG_BITS, in, clearPrefixLength, WireFormat.NONCE_LENGTH));
    cipher.updateAAD(aad, aadOffset, aadLength);
    cipher.updateAAD(in, 0, clearPrefixLength);
    int bodyLength = in.length - ctOffset - WireFormat.TAG_LENGTH;
    byte[] out = new byte[clearPrefixLength + bodyLength];
    // One copy: JCA providers differ in the output size they demand for GCM decryption into a
    // caller's array, and only the registry-framed path pays it.
    byte[] body = cipher.doFinal(in, ctOffset, in.length - ctOffset);
    System.arraycopy(in, 0, out, 0, clearPrefixLength);
    System.arraycopy(body, 0, out, clearPrefixLength, body.length);
    return out;
  }

  /**
   * Decrypts {@code in[nonceOffset .. in.length)}: nonce, ciphertext and tag, authenticating
   * {@code aad[aadOffset .. aadOffset + aadLength)} with them.
   *
   * @throws AEADBadTagException if anything was changed, or the key or AAD is wrong
   */
  public static byte[] decrypt(SecretKey key, byte[] aad, int aadOffset, int aadLength, byte[] in,
      int nonceOffset) throws GeneralSecurityException {
    int ctOffset = nonceOffset + WireFormat.NONCE_LENGTH;
    if (in.length - ctOffset < WireFormat.TAG_LENGTH) {
      throw new AEADBadTagException("ciphertext shorter than the tag");
    }
    Cipher cipher = CIPHER.get();
    cipher.init(Cipher.DECRYPT_MODE, key,
        new GCMParameterSpec(TAG_BITS, in, nonceOffset, WireFormat.NONCE_LENGTH));
    cipher.updateAAD(aad, aadOffset, aadLength);
    return cipher.doFinal(in, ctOffset, in.length - ctOffset);
  }

  /** Length of nonce + ciphertext + tag for a plaintext of {@code plaintextLength} bytes. */
  public static int sealedLength(int plaintextLength) {
    return WireFormat.NONCE_LENGTH + plaintextLength + WireFormat.TAG_LENGTH;
  }

  private static Cipher newCipher() {
    try {
      return Cipher.getInstance("AES/GCM/NoPadding");
    } catch (NoSuchAlgorithmException | NoSuchPaddingException e) {
      throw new IllegalStateException("AES/GCM/NoPadding is not available in this JVM", e);
    }
  }
}
