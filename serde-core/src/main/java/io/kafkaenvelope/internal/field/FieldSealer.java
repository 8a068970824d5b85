package io.kafkaenvelope.internal.field;

import java.util.Set;

/** One record's field encryption on the producer side; not thread-safe, used by one call. */
public interface FieldSealer {

  /** The patterns listed in {@code envelope.fields} (the format checks they exist). */
  Set<String> configuredPatterns();

  /**
   * Whether the field at {@code pattern} is to be encrypted and how; {@code null}: leave it in
   * the clear. {@code annotated}: the field's schema carries our {@code kafka-envelope.encrypt}
   * annotation; {@code tags}: its Confluent tags and our annotation's tags (empty if none).
   * Cheap enough to call for every field of every record (answers are cached by pattern).
   */
  FieldRule select(String pattern, boolean annotated, Set<String> tags);

  /**
   * Encrypts one occurrence: {@code encoding} is the field value in the format's encoding, {@code
   * concretePath} its path in this record. Returns the bytes to store in the field.
   */
  byte[] seal(FieldRule rule, String concretePath, byte[] encoding);
}
