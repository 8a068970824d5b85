package io.kafkaenvelope.internal.field;

import java.util.Map;

/**
 * What a record format (Avro, JSON) does for field-level encryption: walk a record, encode and
 * replace the selected fields, and the reverse. serde-core calls it once per record, from any
 * producer or consumer thread: implementations are thread-safe.
 */
public interface FieldFormat {

  /** The format's name for messages, e.g. {@code "Avro"}. */
  String name();

  /**
   * Called from the serde's {@code configure()} with the whole configuration. A format that knows
   * its schema now (a configured class or schema) checks here that every pattern in {@code
   * configuredPatterns} exists and throws a {@code ConfigException} naming {@code envelope.fields}
   * otherwise; others check at the first record of each schema.
   */
  default void configure(Map<String, ?> configs, boolean isKey, java.util.Set<String>
      configuredPatterns) {}

  /**
   * Producer: returns what the inner serializer writes instead of {@code record}: a copy (the
   * caller's object is never modified) in which each field {@code sealer.select} chose holds
   * {@code sealer.seal(...)} of the field's encoding (Avro: binary encoding of the field's schema,
   * the field becoming {@code bytes}; JSON: canonical JSON UTF-8, the field becoming a base64
   * string). A configured pattern that does not exist in the record's schema is an error:
   * throw {@link FieldSealer#configError} naming {@code envelope.fields}.
   */
  Object seal(String topic, Object record, FieldSealer sealer);

  /**
   * Consumer: {@code decoded} is what the inner deserializer returned for a field-mode record;
   * returns the original record, each path in {@code opener.sealedPaths()} replaced by the decoded
   * {@code opener.open(...)} result (or handled as {@link FieldOpener#unreadable()} says when it
   * returns {@code null}). A listed path missing from the record, or one that does not hold a
   * ciphertext, is refused: throw {@link FieldOpener#malformed}. serde-core checks afterwards
   * that {@code open} was called once for every listed path.
   */
  Object open(String topic, Object decoded, FieldOpener opener);
}
