package io.kafkaenvelope.internal.kek;

/**
 * A KEK template reads a record header ({@code ${header:NAME}}) that the record lacks, or whose
 * value may not be part of a KEK id. Thrown before any KMS call; the serializer and deserializer
 * turn it into an {@code EnvelopeException} with reason {@code KEK_HEADER_INVALID}. The message
 * names the header, never its value.
 */
public final class KekHeaderException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final String headerName;

  public KekHeaderException(String headerName, String message) {
    super(message);
    this.headerName = headerName;
  }

  /** The header the template reads. */
  public String headerName() {
    return headerName;
  }
}
