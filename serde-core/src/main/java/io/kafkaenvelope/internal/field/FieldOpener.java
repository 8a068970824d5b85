package io.kafkaenvelope.internal.field;

import java.util.List;

/** One record's field decryption on the consumer side; not thread-safe, used by one call. */
public interface FieldOpener {

  /** What {@code envelope.fields.unreadable} says to do with a field this reader may not read. */
  enum Unreadable {
    /** Refuse the record (the default). */
    FAIL,
    /** Return the record with the field set to null (refused if its schema does not allow it). */
    NULL,
    /** Return the record with the field still holding its ciphertext. */
    KEEP
  }

  /**
   * The concrete paths the record's field headers say are encrypted (authenticated: a path
   * dropped or added by someone else fails). The format must find every one.
   */
  List<String> sealedPaths();

  /**
   * Decrypts the ciphertext stored at {@code concretePath} and returns the field's encoding; or
   * {@code null} when this reader may not read that field's KEK and {@link #unreadable()} is
   * {@code NULL} or {@code KEEP}. Throws {@code EnvelopeException} for everything else (tampered,
   * moved, unreadable under {@code FAIL}).
   */
  byte[] open(String concretePath, byte[] ciphertext);

  /** {@code envelope.fields.unreadable}. */
  Unreadable unreadable();

  /**
   * The exception for the format to throw when the decoded record does not match the field
   * headers: a listed path missing, or not holding a ciphertext (bytes / a string), or a field
   * that cannot be set to null under {@link Unreadable#NULL}: an {@code EnvelopeException}
   * (reason {@code MALFORMED}) naming the topic, role and {@code detail} (no field values).
   */
  RuntimeException malformed(String detail);
}
