package io.kafkaenvelope.kms;

/**
 * A KMS call failed. The {@link Reason} says how, so callers can decide whether to retry, and users
 * get a message that names the KEK and the cause. Messages never contain key bytes.
 */
public class KmsException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /** Why a KMS call failed. */
  public enum Reason {
    /** The KMS could not be reached, timed out, is sealed or answered 5xx. Transient. */
    UNAVAILABLE(true),
    /** The KMS is rate-limiting this client. Transient. */
    THROTTLED(true),
    /** The credentials are not allowed to use the KEK for this operation. */
    ACCESS_DENIED(false),
    /** No KEK of that id exists (or the alias resolves to nothing). */
    KEY_NOT_FOUND(false),
    /** The KEK exists but is disabled or pending deletion. */
    KEY_DISABLED(false),
    /** The wrapped key is malformed, names another KEK, or its context does not match. */
    INVALID_CIPHERTEXT(false),
    /** The client is misconfigured (bad endpoint, credentials missing, ...). */
    MISCONFIGURED(false),
    /**
     * Not sent to the KMS: this library's own budget forbids a call now (the unwrap rate limit,
     * or a recent failure under the same KEK). Transient.
     */
    LIMITED(true);

    private final boolean retryable;

    Reason(boolean retryable) {
      this.retryable = retryable;
    }

    /** Whether a later attempt may succeed without anyone changing anything. */
    public boolean retryable() {
      return retryable;
    }
  }

  private final Reason reason;
  private final String kekId;

  public KmsException(Reason reason, String kekId, String message) {
    this(reason, kekId, message, null);
  }

  public KmsException(Reason reason, String kekId, String message, Throwable cause) {
    super(reason + " for KEK '" + kekId + "': " + message, cause);
    this.reason = reason;
    this.kekId = kekId;
  }

  public Reason reason() {
    return reason;
  }

  public String kekId() {
    return kekId;
  }
}
