package io.kafkaenvelope.internal.field;

import java.util.List;
import java.util.Map;

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
   * Decrypts all of the record's sealed fields at once, called once per record: {@code
   * ciphertexts} maps every path of {@link #sealedPaths} (exactly those: a missing or extra path
   * is refused as {@link #malformed}) to the bytes stored there. Returns a map from each path to
   * the field's encoding, or to {@code null} when this reader may not read that field's KEK and
   * {@link #unreadable()} is {@code NULL} or {@code KEEP}. One AES-GCM call per field header
   * checks all of that header's fields together, so nothing is returned unless every field and
   * header checked. Throws {@code EnvelopeException} for everything else (tampered, moved,
   * unreadable under {@code FAIL}).
   */
  Map<String, byte[]> open(Map<String, byte[]> ciphertexts);

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
