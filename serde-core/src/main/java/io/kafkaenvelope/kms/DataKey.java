package io.kafkaenvelope.kms;

import java.util.Arrays;
import java.util.Objects;
import javax.security.auth.Destroyable;

/**
 * A freshly made data-encryption key: its plaintext, its wrapped form and the KEK version that
 * wrapped it. The plaintext never prints: {@link #toString()} shows only sizes and the version.
 */
public final class DataKey implements Destroyable {

  /** DEK length in bytes (AES-256). */
  public static final int KEY_LENGTH = 32;

  private final byte[] plaintext;
  private final byte[] wrapped;
  private final String kekVersion;
  private volatile boolean destroyed;

  /**
   * @param plaintext the 32 key bytes; copied
   * @param wrapped the key as wrapped by the KMS; copied
   * @param kekVersion the KEK version the KMS used, or {@code null} where it exposes none
   */
  public DataKey(byte[] plaintext, byte[] wrapped, String kekVersion) {
    Objects.requireNonNull(plaintext, "plaintext");
    Objects.requireNonNull(wrapped, "wrapped");
    if (plaintext.length != KEY_LENGTH) {
      throw new IllegalArgumentException(
          "a data key must be " + KEY_LENGTH + " bytes, got " + plaintext.length);
    }
    if (wrapped.length == 0) {
      throw new IllegalArgumentException("wrapped key is empty");
    }
    this.plaintext = plaintext.clone();
    this.wrapped = wrapped.clone();
    this.kekVersion = kekVersion == null || kekVersion.isEmpty() ? null : kekVersion;
  }

  /** A copy of the plaintext key; the caller clears it when done. */
  public byte[] plaintext() {
    if (destroyed) {
      throw new IllegalStateException("data key destroyed");
    }
    return plaintext.clone();
  }

  /** A copy of the wrapped key. */
  public byte[] wrapped() {
    return wrapped.clone();
  }

  /** The KEK version that wrapped this key, or {@code null}. */
  public String kekVersion() {
    return kekVersion;
  }

  @Override
  public void destroy() {
    Arrays.fill(plaintext, (byte) 0);
    destroyed = true;
  }

  @Override
  public boolean isDestroyed() {
    return destroyed;
  }

  @Override
  public String toString() {
    return "DataKey{plaintext=<redacted>, wrapped=" + wrapped.length + " bytes, kekVersion="
        + kekVersion + "}";
  }
}
