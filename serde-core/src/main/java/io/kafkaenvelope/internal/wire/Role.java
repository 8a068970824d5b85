package io.kafkaenvelope.internal.wire;

/**
 * Which part of a record an envelope protects. Kafka hands the same {@code Headers} to the key and
 * the value serializer, so each role has its own header name, and the role is bound into the
 * associated data so a key envelope cannot be passed off as a value envelope.
 */
public enum Role {
  VALUE((byte) 0x01, WireFormat.VALUE_HEADER),
  KEY((byte) 0x02, WireFormat.KEY_HEADER);

  private final byte code;
  private final String headerName;
  private final String fieldsHeaderName;

  Role(byte code, String headerName) {
    this.code = code;
    this.headerName = headerName;
    this.fieldsHeaderName = headerName + WireFormat.FIELDS_HEADER_SUFFIX;
  }

  /**
   * The record header that carries this role's field headers ({@code envelope.mode=field}): one
   * per KEK, in index order.
   */
  public String fieldsHeaderName() {
    return fieldsHeaderName;
  }

  public static Role of(boolean isKey) {
    return isKey ? KEY : VALUE;
  }

  /** The role's byte in the envelope header. */
  public byte code() {
    return code;
  }

  /** The record header that carries this role's envelope. */
  public String headerName() {
    return headerName;
  }

  static Role fromCode(byte code) {
    for (Role r : values()) {
      if (r.code == code) {
        return r;
      }
    }
    return null;
  }

  @Override
  public String toString() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
