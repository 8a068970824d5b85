package io.kafkaenvelope.kms;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Non-secret key/value pairs bound to a wrapped DEK: AWS KMS verifies them as encryption context,
 * the local KMSs as AEAD associated data. The library sends the same pairs on wrap and unwrap, so a
 * wrapped key taken out of context does not unwrap.
 */
public final class EncryptionContext {

  /** Context key that marks a DEK made by this library. */
  public static final String PURPOSE_KEY = "kafka-envelope:purpose";
  /** Value of {@link #PURPOSE_KEY}. */
  public static final String PURPOSE_VALUE = "dek";
  /** Context key naming the KEK that wraps the DEK. */
  public static final String KEK_KEY = "kafka-envelope:kek";

  private final Map<String, String> pairs;

  private EncryptionContext(Map<String, String> pairs) {
    this.pairs = Collections.unmodifiableMap(new TreeMap<>(pairs));
  }

  /** The context the library uses for every DEK under {@code kekId}. */
  public static EncryptionContext forDek(String kekId) {
    return new EncryptionContext(Map.of(PURPOSE_KEY, PURPOSE_VALUE, KEK_KEY, kekId));
  }

  /** A context of arbitrary pairs (for tests and custom providers). */
  public static EncryptionContext of(Map<String, String> pairs) {
    return new EncryptionContext(Objects.requireNonNull(pairs, "pairs"));
  }

  /** The pairs, sorted by key. */
  public Map<String, String> asMap() {
    return pairs;
  }

  /**
   * A canonical byte encoding, for KMSs that take associated data rather than a map: for each pair
   * in key order, u16 length + UTF-8 key, u16 length + UTF-8 value.
   */
  public byte[] canonicalBytes() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (Map.Entry<String, String> e : pairs.entrySet()) {
      writeString(out, e.getKey());
      writeString(out, e.getValue());
    }
    return out.toByteArray();
  }

  private static void writeString(ByteArrayOutputStream out, String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    out.write(b.length >>> 8);
    out.write(b.length);
    out.write(b, 0, b.length);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof EncryptionContext && ((EncryptionContext) o).pairs.equals(pairs);
  }

  @Override
  public int hashCode() {
    return pairs.hashCode();
  }

  @Override
  public String toString() {
    return pairs.toString();
  }
}
