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
   * the array {@code sealer.seal(...)} returned for the field's encoding (Avro: binary encoding of
   * the field's schema, the field becoming {@code bytes}; JSON: canonical JSON UTF-8, the field
   * becoming a base64 string). The array must be stored itself, not copied: its content is
   * written after this method returns (see {@link FieldSealer#seal}). A configured pattern that
   * does not exist in the record's schema is an error: throw {@link FieldSealer#configError}
   * naming {@code envelope.fields}.
   */
  Object seal(String topic, Object record, FieldSealer sealer);

  /**
   * Consumer: {@code decoded} is what the inner deserializer returned for a field-mode record;
   * the format finds every path in {@code opener.sealedPaths()}, calls {@link FieldOpener#open}
   * <em>once</em> with all of them (path to stored bytes), and returns the original record, each
   * of those paths replaced by its decoded result (or handled as {@link FieldOpener#unreadable()}
   * says where the result is {@code null}). A listed path missing from the record, or one that
   * does not hold a ciphertext (bytes / a string), is refused: throw {@link
   * FieldOpener#malformed}. serde-core checks that {@code open} was called (a record whose
   * headers list no path may skip it: serde-core then checks the headers itself).
   */
  Object open(String topic, Object decoded, FieldOpener opener);
}
