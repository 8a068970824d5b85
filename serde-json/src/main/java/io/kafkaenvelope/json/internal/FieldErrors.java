package io.kafkaenvelope.json.internal;

import org.apache.kafka.common.errors.SerializationException;

/** The errors this format raises; messages name topics and paths, never a field's content. */
final class FieldErrors {

  private FieldErrors() {}

  /** A path the record's field headers list is not where it should be, or is not a ciphertext. */
  static SerializationException malformed(String topic, String path, String why) {
    return new SerializationException("field-encrypted JSON record from topic '" + topic
        + "' is malformed at '" + path + "': " + why);
  }
}
