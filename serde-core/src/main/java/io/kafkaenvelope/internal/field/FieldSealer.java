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
   * Seals one occurrence: {@code encoding} is the field value in the format's encoding (copied:
   * the caller may reuse it), {@code concretePath} its path in this record. Returns the array to
   * store in the field, which the format must store itself (not a copy of it): for a random field
   * its <em>content is written when the record is complete</em>, since all random fields under one
   * KEK are encrypted by one AES-GCM call once the format's {@code seal} has returned and before
   * the inner serializer runs (until then the array holds only its 2-byte prefix and zeros).
   * Avro stores {@code ByteBuffer.wrap(array)}; JSON a node that reads the array when written.
   */
  byte[] seal(FieldRule rule, String concretePath, byte[] encoding);

  /**
   * The exception for the format to throw when it cannot seal this record for a reason of
   * configuration, e.g. a pattern of {@code envelope.fields} that the record's schema lacks: an
   * {@code EnvelopeException} (reason {@code MISCONFIGURED}) naming the topic and role, with
   * {@code detail} (which must not contain field values). Nothing is sent.
   */
  RuntimeException configError(String detail);
}
