package io.kafkaenvelope.internal.compress;

/** Compressed data that does not decode. The message names the problem, never the data. */
public final class CorruptDataException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  public CorruptDataException(String message) {
    super(message);
  }
}
