package io.kafkaenvelope.internal.crypto;

import io.kafkaenvelope.internal.wire.WireFormat;
import java.lang.reflect.Method;
import java.security.GeneralSecurityException;
import java.security.NoSuchAlgorithmException;
import java.security.Provider;
import java.util.Arrays;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.NoSuchPaddingException;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * AES-256-GCM through the JCA, one {@link Cipher} per thread. Tink's AEAD would draw a random nonce
 * from {@code SecureRandom} on every call (a synchronized ~220 ns here); the envelope's nonces come
 * from a per-DEK counter instead, which needs a cipher that takes the nonce from the caller.
 * Callers lay the nonce into the output array ({@link
 * io.kafkaenvelope.internal.wire.SealedRecord}), so
 * no per-record nonce array exists. One way in, {@link #seal}, one way out, {@link #open}.
 *
 * <p>If the Amazon Corretto Crypto Provider is on the classpath and healthy, its AES-GCM (AWS-LC,
 * about twice SunJCE's throughput from 16 KiB up) is used; otherwise the JDK's default provider.
 * It is never required, and it is only taken after it produced the same bytes as the JDK's
 * provider for a known input.
 */
public final class AesGcm {

  private static final Logger log = LoggerFactory.getLogger(AesGcm.class);
  private static final String TRANSFORMATION = "AES/GCM/NoPadding";
  static final String ACCP_CLASS =
      "com.amazon.corretto.crypto.provider.AmazonCorrettoCryptoProvider";
  private static final int TAG_BITS = WireFormat.TAG_LENGTH * 8;
  /** The accelerated provider, or {@code null} for the JDK's default. */
  private static final Provider PROVIDER = accelerated(ACCP_CLASS);
  private static final ThreadLocal<Cipher> CIPHER = ThreadLocal.withInitial(AesGcm::newCipher);

  static {
    log.info("AES-GCM through {}", providerName());
  }

  private AesGcm() {}

  /**
   * Seals {@code body[bodyOffset .. bodyOffset + bodyLength)} into {@code out}: the nonce must
   * already sit at {@code out[nonceOffset]}, and ciphertext and tag follow it. The associated
   * data is {@code header} ({@code null} for none: format version 6, whose key binds the header)
   * followed by {@code out[clearOffset .. clearOffset + clearLength)} (a clear prefix the caller
   * has laid out; {@code clearLength} 0 for none).
   */
  public static void seal(SecretKey key, byte[] header, byte[] out, int clearOffset,
      int clearLength, int nonceOffset, byte[] body, int bodyOffset, int bodyLength)
      throws GeneralSecurityException {
    Cipher cipher = CIPHER.get();
    cipher.init(Cipher.ENCRYPT_MODE, key,
        new GCMParameterSpec(TAG_BITS, out, nonceOffset, WireFormat.NONCE_LENGTH));
    if (header != null) {
      cipher.updateAAD(header);
    }
    if (clearLength > 0) {
      cipher.updateAAD(out, clearOffset, clearLength);
    }
    cipher.doFinal(body, bodyOffset, bodyLength, out, nonceOffset + WireFormat.NONCE_LENGTH);
  }

  /**
   * Opens {@code in[nonceOffset ..)}: nonce, ciphertext and tag, authenticating
   * {@code aad[aadOffset .. aadOffset + aadLength)} ({@code aad} {@code null} for none) followed
   * by the clear prefix {@code in[0 .. clearLength)}. Returns the clear prefix followed by the
   * plaintext.
   *
   * @throws AEADBadTagException if anything was changed, or the key or AAD is wrong
   */
  public static byte[] open(SecretKey key, byte[] aad, int aadOffset, int aadLength, byte[] in,
      int clearLength, int nonceOffset) throws GeneralSecurityException {
    int ctOffset = nonceOffset + WireFormat.NONCE_LENGTH;
    if (in.length - ctOffset < WireFormat.TAG_LENGTH) {
      throw new AEADBadTagException("ciphertext shorter than the tag");
    }
    Cipher cipher = CIPHER.get();
    cipher.init(Cipher.DECRYPT_MODE, key,
        new GCMParameterSpec(TAG_BITS, in, nonceOffset, WireFormat.NONCE_LENGTH));
    if (aad != null) {
      cipher.updateAAD(aad, aadOffset, aadLength);
    }
    if (clearLength == 0) {
      return cipher.doFinal(in, ctOffset, in.length - ctOffset);
    }
    cipher.updateAAD(in, 0, clearLength);
    // One copy: JCA providers differ in the output size they demand for GCM decryption into a
    // caller's array, and only the registry-framed path pays it.
    byte[] body = cipher.doFinal(in, ctOffset, in.length - ctOffset);
    byte[] out = new byte[clearLength + body.length];
    System.arraycopy(in, 0, out, 0, clearLength);
    System.arraycopy(body, 0, out, clearLength, body.length);
    return out;
  }

  /** The JCA provider doing the work, with its version, for logs and benchmark reports. */
  public static String providerName() {
    Provider p = PROVIDER != null ? PROVIDER : newCipher().getProvider();
    return p.getName() + " " + p.getVersionStr();
  }

  /**
   * The provider named by {@code className} (a class with a static {@code INSTANCE} provider), if
   * it loads, reports itself healthy and encrypts and decrypts a known input exactly as the JDK's
   * default provider does; otherwise {@code null}. Never throws: any failure means "not there".
   */
  static Provider accelerated(String className) {
    Provider p;
    try {
      Class<?> cls = Class.forName(className, true, AesGcm.class.getClassLoader());
      Object instance = cls.getField("INSTANCE").get(null);
      if (!(instance instanceof Provider)) {
        return null;
      }
      p = (Provider) instance;
    } catch (ClassNotFoundException e) {
      return null; // the usual case: not on the classpath
    } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
      log.warn("{} present but not usable ({}); using the JDK's AES-GCM", className,
          e.getClass().getName());
      return null;
    }
    try {
      Method healthy = findMethod(p.getClass(), "assertHealthy");
      if (healthy != null) {
        healthy.invoke(p); // ACCP: throws if its native library did not load
      }
      if (!agreesWithJdk(p)) {
        log.warn("{} gave different AES-GCM output than the JDK; not using it", p.getName());
        return null;
      }
      return p;
    } catch (ReflectiveOperationException | LinkageError | RuntimeException
        | GeneralSecurityException e) {
      log.warn("{} failed its check ({}); using the JDK's AES-GCM", p.getName(),
          e.getClass().getName());
      return null;
    }
  }

  private static Method findMethod(Class<?> cls, String name) {
    try {
      return cls.getMethod(name);
    } catch (NoSuchMethodException e) {
      return null;
    }
  }

  /** Encrypts a fixed input with both providers, compares, and decrypts with the candidate. */
  private static boolean agreesWithJdk(Provider candidate) throws GeneralSecurityException {
    byte[] key = new byte[32];
    byte[] nonce = new byte[WireFormat.NONCE_LENGTH];
    byte[] aad = new byte[21];
    byte[] plaintext = new byte[67]; // not a whole number of blocks
    for (int i = 0; i < plaintext.length; i++) {
      plaintext[i] = (byte) (i * 7 + 1);
      if (i < key.length) {
        key[i] = (byte) (i + 3);
      }
      if (i < nonce.length) {
        nonce[i] = (byte) (i * 13);
      }
      if (i < aad.length) {
        aad[i] = (byte) (255 - i);
      }
    }
    SecretKeySpec k = new SecretKeySpec(key, "AES");
    Cipher jdk = Cipher.getInstance(TRANSFORMATION);
    jdk.init(Cipher.ENCRYPT_MODE, k, new GCMParameterSpec(TAG_BITS, nonce));
    jdk.updateAAD(aad);
    byte[] expected = jdk.doFinal(plaintext);
    Cipher c = Cipher.getInstance(TRANSFORMATION, candidate);
    c.init(Cipher.ENCRYPT_MODE, k, new GCMParameterSpec(TAG_BITS, nonce));
    c.updateAAD(aad);
    byte[] actual = c.doFinal(plaintext);
    if (!Arrays.equals(expected, actual)) {
      return false;
    }
    c.init(Cipher.DECRYPT_MODE, k, new GCMParameterSpec(TAG_BITS, nonce));
    c.updateAAD(aad);
    return Arrays.equals(plaintext, c.doFinal(expected));
  }

  private static Cipher newCipher() {
    try {
      return PROVIDER == null ? Cipher.getInstance(TRANSFORMATION)
          : Cipher.getInstance(TRANSFORMATION, PROVIDER);
    } catch (NoSuchAlgorithmException | NoSuchPaddingException e) {
      throw new IllegalStateException(TRANSFORMATION + " is not available in this JVM", e);
    }
  }
}
