package io.kafkaenvelope.internal.field;

/** How one selected field is encrypted: made by {@link FieldSealer#select}, opaque to formats. */
public interface FieldRule {

  /** The pattern the rule was selected for. */
  String pattern();

  /** {@code envelope.fields.mode.<tag or pattern>=deterministic}. */
  boolean deterministic();
}
