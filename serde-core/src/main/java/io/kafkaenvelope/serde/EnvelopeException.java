package io.kafkaenvelope.serde;

import io.kafkaenvelope.kms.KmsException;
import io.kafkaenvelope.internal.wire.Role;
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
    /**
     * The record was encrypted for another topic (a copy or replay) and no mirror rule allows it.
     */
    TOPIC_MISMATCH,
    /** The record has no envelope and the plaintext policy is {@code reject}. */
    PLAINTEXT_REJECTED,
    /**
     * The record's envelope names a KEK this reader does not accept for the topic
     * ({@code envelope.kek.id}, {@code envelope.kek.id.template}, {@code envelope.kek.allowed.ids},
     * {@code envelope.kek.discovery}); refused before any KMS call.
     */
    KEK_NOT_ALLOWED,
    /**
     * The KEK template reads a record header ({@code ${header:NAME}} in
     * {@code envelope.kek.id.template} or {@code envelope.kek.allowed.ids}) that the record lacks,
     * or whose value may not be part of a KEK id; refused before any KMS call, on the serializer
     * (nothing is sent) and the deserializer alike.
     */
    KEK_HEADER_INVALID,
    /**
     * Not sent to the KMS: the unwrap rate limit, or a recent failure under the same KEK, forbids
     * a call now. Transient: the same record may succeed later.
     */
    UNWRAP_LIMITED,
    /** The compressed records of one poll would decompress to more than the budget allows. */
    DECOMPRESSION_LIMIT,
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
        case LIMITED:
          return UNWRAP_LIMITED;
        default:
          return MISCONFIGURED;
      }
    }
  }

  private final Reason reason;
  /**
   * Set by the decryptor when the failure came at or after the KMS call (unwrap or
   * authentication), so it does not try the record's other envelope too.
   */
  transient boolean afterKms;
  private final String topic;
  private final String kekId;
  private final String dekId;

  /** A record of {@code topic} could not be encrypted. */
  static EnvelopeException encrypting(Reason reason, Role role, String topic, String kekId,
      String dekId, String detail, Throwable cause) {
    return new EnvelopeException(reason, true, role, topic, kekId, dekId, detail, cause);
  }

  /** A record read from {@code topic} could not be decrypted. */
  static EnvelopeException decrypting(Reason reason, Role role, String topic, String kekId,
      String dekId, String detail, Throwable cause) {
    return new EnvelopeException(reason, false, role, topic, kekId, dekId, detail, cause);
  }

  private EnvelopeException(Reason reason, boolean encrypting, Role role, String topic,
      String kekId, String dekId, String detail, Throwable cause) {
    super(message(reason, encrypting, role, topic, kekId, dekId, detail), cause);
    this.reason = reason;
    this.topic = topic;
    this.kekId = kekId;
    this.dekId = dekId;
  }

  private static String message(Reason reason, boolean encrypting, Role role, String topic,
      String kekId, String dekId, String detail) {
    StringBuilder sb = new StringBuilder(encrypting ? "Cannot encrypt record "
        : "Cannot decrypt record ")
        .append(role).append(encrypting ? " for topic '" : " from topic '").append(printable(topic))
        .append('\'');
    if (kekId != null || dekId != null) {
      sb.append(" (KEK '").append(printable(kekId)).append('\'');
      if (dekId != null) {
        sb.append(", DEK ").append(dekId);
      }
      sb.append(')');
    }
    // The detail may quote a KMS's message, which can repeat a KEK id from the record's header
    // (a reader in discovery mode sends any KEK id to the KMS): no control characters either.
    return sb.append(": ").append(reason).append(": ").append(printable(detail, MAX_DETAIL))
        .toString();
  }

  /** The longest string from a record that goes into a message or log line. */
  static final int MAX_PRINTED = 256;

  /**
   * {@code s} as it may appear in a message or log line: strings from a record's envelope header
   * (KEK id, topic) are written by whoever can write to the topic, so control and formatting
   * characters (line breaks that forge log lines, terminal escapes, bidi overrides) become
   * {@code ?} and anything past {@value #MAX_PRINTED} characters is cut.
   */
  public static String printable(String s) {
    return printable(s, MAX_PRINTED);
  }

  /** The longest detail (our own text, quoting header strings already cut) in a message. */
  private static final int MAX_DETAIL = 4096;

  private static String printable(String s, int max) {
    if (s == null) {
      return null;
    }
    int n = Math.min(s.length(), max);
    StringBuilder sb = null;
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      int type = Character.getType(c);
      boolean bad = type == Character.CONTROL || type == Character.FORMAT
          || type == Character.LINE_SEPARATOR || type == Character.PARAGRAPH_SEPARATOR
          || type == Character.SURROGATE;
      if (bad && sb == null) {
        sb = new StringBuilder(n + 16).append(s, 0, i);
      }
      if (sb != null) {
        sb.append(bad ? '?' : c);
      }
    }
    if (sb == null && n == s.length()) {
      return s;
    }
    if (sb == null) {
      sb = new StringBuilder(s.substring(0, n));
    }
    if (n < s.length()) {
      sb.append("...(").append(s.length()).append(" chars)");
    }
    return sb.toString();
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
