package io.kafkaenvelope.internal.wire;

/** Envelope bytes that do not parse. The message says which part is wrong, never the bytes. */
public class MalformedEnvelopeException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public MalformedEnvelopeException(String message) {
    super(message);
  }
}
