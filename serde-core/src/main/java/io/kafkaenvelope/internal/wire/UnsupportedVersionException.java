package io.kafkaenvelope.internal.wire;

/** An envelope written in a format version or algorithm this library does not read. */
public class UnsupportedVersionException extends MalformedEnvelopeException {
  private static final long serialVersionUID = 1L;

  public UnsupportedVersionException(String message) {
    super(message);
  }
}
