package io.kafkaenvelope.serde;

import io.kafkaenvelope.kms.KmsException;
import io.kafkaenvelope.wire.Role;
import org.apache.kafka.common.errors.SerializationException;

/**
 * A record could not be encrypted or decrypted. It is a {@link SerializationException}, so Kafka
 * reports it as usual (the consumer wraps it in {@code RecordDeserializationException} with the
 * partition and offset; Spring's {@code ErrorHandlingDeserializer} and Streams'
 * {@code DeserializationExceptionHandler} handle it). The message names the topic, the KEK, the
 * DEK and the {@link Reason}; it never contains key bytes or record contents.
 */
public class EnvelopeException extends SerializationException {

  private static final long serialVersionUID = 1L;

  /** What went wrong. */
  public enum Reason {
    /** The envelope was written in a format version or algorithm this library does not read. */
    UNSUPPORTED_VERSION,
    /** The envelope header or inline frame does not parse. */
    MALFORMED,
    /** Authentication failed: the record, its envelope or the wrapped DEK was changed. */
    TAMPERED,
    /** The record was encrypted for another topic (a copy or replay) and no mirror rule allows it. */
    TOPIC_MISMATCH,
    /** The record has no envelope and the plaintext policy is {@code reject}. */
    PLAINTEXT_REJECTED,
    /** The KMS does not know the KEK, or the KEK a template resolved to does not exist. */
    UNKNOWN_KEY,
    /** The KMS refused access to the KEK. */
    ACCESS_DENIED,
    /** The KEK is disabled or pending deletion. */
    KEY_DISABLED,
    /** The KMS is unreachable, throttling, sealed or timing out. */
    KMS_UNAVAILABLE,
    /** The KMS client is misconfigured. */
    MISCONFIGURED;

    /** The reason a KMS failure amounts to. */
    public static Reason of(KmsException.Reason kms) {
      switch (kms) {
        case UNAVAILABLE:
        case THROTTLED:
          return KMS_UNAVAILABLE;
        case ACCESS_DENIED:
          return ACCESS_DENIED;
        case KEY_NOT_FOUND:
          return UNKNOWN_KEY;
        case KEY_DISABLED:
          return KEY_DISABLED;
        case INVALID_CIPHERTEXT:
          return TAMPERED;
        default:
          return MISCONFIGURED;
      }
    }
  }

  private final Reason reason;
  private final String topic;
  private final String kekId;
  private final String dekId;

  public EnvelopeException(Reason reason, boolean encrypting, Role role, String topic,
      String kekId, String dekId, String detail, Throwable cause) {
    super(message(reason, encrypting, role, topic, kekId, dekId, detail), cause);
    this.reason = reason;
    this.topic = topic;
    this.kekId = kekId;
    this.dekId = dekId;
  }

  private static String message(Reason reason, boolean encrypting, Role role, String topic,
      String kekId, String dekId, String detail) {
    StringBuilder sb = new StringBuilder(encrypting ? "Cannot encrypt record " : "Cannot decrypt record ")
        .append(role).append(encrypting ? " for topic '" : " from topic '").append(topic).append('\'');
    if (kekId != null || dekId != null) {
      sb.append(" (KEK '").append(kekId).append('\'');
      if (dekId != null) {
        sb.append(", DEK ").append(dekId);
      }
      sb.append(')');
    }
    return sb.append(": ").append(reason).append(": ").append(detail).toString();
  }

  public Reason reason() {
    return reason;
  }

  public String topic() {
    return topic;
  }

  /** The KEK involved, or {@code null} if none was known. */
  public String kekId() {
    return kekId;
  }

  /** The DEK id (hex) involved, or {@code null} if none was known. */
  public String dekId() {
    return dekId;
  }
}
