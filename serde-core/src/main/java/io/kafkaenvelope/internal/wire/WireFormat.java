package io.kafkaenvelope.internal.wire;

/** Constants of the wire format; {@code docs/wire-format.md} is their specification. */
public final class WireFormat {

  private WireFormat() {}

  /** Header carrying the value's envelope. */
  public static final String VALUE_HEADER = "kafka-envelope.value";
  /** Header carrying the key's envelope. */
  public static final String KEY_HEADER = "kafka-envelope.key";

  /** The format version of records whose whole value is encrypted. */
  public static final byte VERSION_1 = 0x01;
  /**
   * Version 1 plus a clear-prefix length: the first bytes of the value (a schema registry's
   * framing) stay readable and are authenticated as associated data. Written only when a record
   * has a clear prefix, so records without one stay version 1. Readers reject other versions.
   */
  public static final byte VERSION_2 = 0x02;
  /**
   * Version 2 plus a compression codec byte: the encrypted body is {@code u32 uncompressed length
   * | compressed bytes}. Written only for records that compression made smaller; the clear prefix
   * length may be 0 here. Codec ids are those of {@code io.kafkaenvelope.internal.compress.Codecs}.
   */
  public static final byte VERSION_3 = 0x03;
  /**
   * A deterministic envelope ({@code envelope.mode=deterministic}): AES-SIV under a key every
   * party derives from the KMS, so equal plaintexts give equal bytes. Only inside an inline frame
   * (a record key must be self-contained); its header is {@link DeterministicHeader}.
   */
  public static final byte VERSION_4 = 0x04;
  /**
   * Field-level encryption ({@code envelope.mode=field}): a record whose chosen fields are sealed
   * one by one, with one {@link FieldHeader} per KEK in the {@code kafka-envelope.value.fields}
   * (or {@code .key.fields}) record headers; a randomly sealed field is {@code 0x05 | header
   * index | its slice of the header's one AES-GCM ciphertext} (the tag is in the header).
   */
  public static final byte VERSION_5 = 0x05;
  /** Suffix of the role's header name that carries its field headers. */
  public static final String FIELDS_HEADER_SUFFIX = ".fields";
  /** Bytes in front of a randomly sealed field's ciphertext slice: version and header index. */
  public static final int FIELD_PREFIX = 2;
  /**
   * Version 3's layout (codec byte, which may be 0 here, and clear prefix length, which may be 0)
   * with the header bound through the key instead of the associated data: each record is sealed
   * under a key derived once per (DEK, header) with HKDF-SHA256 whose info is
   * {@link #RECORD_KEY_INFO} followed by the header, and its associated data is only the clear
   * prefix. Authenticating a header then costs nothing per record, whatever its length (an AWS
   * KMS header is ~370 bytes). Written under {@code envelope.format.version=6}. (Version 5 is
   * field-level encryption.)
   */
  public static final byte VERSION_6 = 0x06;
  /** The HKDF info prefix of a version 6 record key; the header's bytes follow it. */
  public static final String RECORD_KEY_INFO = "kafka-envelope v6 record key";
  /** The largest codec id this library reads (1 gzip, 2 lz4, 3 zstd). */
  public static final int MAX_CODEC = 3;
  /** Length of the uncompressed-length field in front of a version 3 body. */
  public static final int UNCOMPRESSED_LENGTH_FIELD = 4;
  /** The largest clear prefix the format can express (a u16 field). */
  public static final int MAX_CLEAR_PREFIX = 0xFFFF;
  /** AES-256-GCM, 96-bit nonce, 128-bit tag. */
  public static final byte ALG_AES256_GCM = 0x01;
  /** AES-SIV (RFC 5297) with a 512-bit key (two AES-256 keys), one associated-data component. */
  public static final byte ALG_AES256_SIV = 0x02;
  /** Length of the synthetic IV in front of an AES-SIV ciphertext. */
  public static final int SIV_LENGTH = 16;

  public static final int DEK_ID_LENGTH = 16;
  public static final int NONCE_LENGTH = 12;
  public static final int TAG_LENGTH = 16;

  /**
   * Prefix of an inline frame (envelope inside the value, used where no headers exist). 0xFE never
   * starts UTF-8 text, JSON, Avro single-object encoding (0xC3 0x01) or Schema Registry framing
   * (0x00).
   */
  static final byte[] INLINE_MAGIC = {(byte) 0xFE, 'K', 'E', 'V'};
}
