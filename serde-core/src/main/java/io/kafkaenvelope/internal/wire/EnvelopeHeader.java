package io.kafkaenvelope.internal.wire;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/**
 * The per-DEK part of an envelope: everything a consumer needs to find and unwrap the DEK, plus the
 * producing topic. Its exact encoded bytes are the AEAD associated data of every record it
 * accompanies, so no field can be changed without breaking decryption.
 *
 * <pre>
 * u8  version (0x01) | u8 algorithm (0x01) | u8 role (0x01 value, 0x02 key) | 16 bytes DEK id
 * u16 len | topic (UTF-8) | u16 len | KEK id (UTF-8) | u16 len | KEK version (UTF-8, may be empty)
 * u16 len | wrapped DEK
 * </pre>
 *
 * Version 2 (0x02) is the same layout with a {@code u16 clear prefix length} (at least 1) right
 * after the role: that many leading bytes of the record value are not encrypted but are part of the
 * associated data (see {@code docs/wire-format.md}). Version 1 means no clear prefix.
 *
 * Version 3 (0x03) is version 2 with a {@code u8 compression codec} (nonzero) between the role and
 * the clear prefix length, which may be 0 here: the encrypted body is compressed.
 *
 * All integers are big-endian. The encoding is canonical: a parser accepts exactly one byte string
 * per header and rejects trailing bytes.
 */
public final class EnvelopeHeader {

  /** How a malformed field of this header is described. */
  private static final String FIELDS_OF = "envelope header";

  private final Role role;
  private final byte[] dekId;
  private final String topic;
  private final String kekId;
  private final String kekVersion;
  private final byte[] wrappedDek;
  private final int clearPrefixLength;
  private final int codec;
  private final byte[] encoded;

  private EnvelopeHeader(Role role, int clearPrefixLength, int codec, byte[] dekId, String topic,
      String kekId, String kekVersion, byte[] wrappedDek, byte[] encoded) {
    this.role = role;
    this.clearPrefixLength = clearPrefixLength;
    this.codec = codec;
    this.dekId = dekId;
    this.topic = topic;
    this.kekId = kekId;
    this.kekVersion = kekVersion;
    this.wrappedDek = wrappedDek;
    this.encoded = encoded;
  }

  /** Builds and encodes a version 1 header (no clear prefix). */
  public static EnvelopeHeader create(Role role, byte[] dekId, String topic, String kekId,
      String kekVersion, byte[] wrappedDek) {
    return create(role, dekId, topic, kekId, kekVersion, wrappedDek, 0);
  }

  /**
   * Builds and encodes a header; {@code clearPrefixLength > 0} makes it version 2, 0 version 1.
   */
  public static EnvelopeHeader create(Role role, byte[] dekId, String topic, String kekId,
      String kekVersion, byte[] wrappedDek, int clearPrefixLength) {
    return create(role, dekId, topic, kekId, kekVersion, wrappedDek, clearPrefixLength, 0);
  }

  /**
   * Builds and encodes a header; {@code codec > 0} (a compressed body) makes it version 3,
   * otherwise as {@link #create(Role, byte[], String, String, String, byte[], int)}.
   */
  public static EnvelopeHeader create(Role role, byte[] dekId, String topic, String kekId,
      String kekVersion, byte[] wrappedDek, int clearPrefixLength, int codec) {
    Objects.requireNonNull(role, "role");
    if (clearPrefixLength < 0 || clearPrefixLength > WireFormat.MAX_CLEAR_PREFIX) {
      throw new IllegalArgumentException("clear prefix length out of range");
    }
    if (codec < 0 || codec > WireFormat.MAX_CODEC) {
      throw new IllegalArgumentException("unknown compression codec");
    }
    Objects.requireNonNull(topic, "topic");
    Objects.requireNonNull(kekId, "kekId");
    if (dekId.length != WireFormat.DEK_ID_LENGTH) {
      throw new IllegalArgumentException("DEK id must be " + WireFormat.DEK_ID_LENGTH + " bytes");
    }
    KeyFields keys = KeyFields.of(topic, kekId, kekVersion, wrappedDek);
    boolean v3 = codec > 0;
    boolean v2 = !v3 && clearPrefixLength > 0;
    ByteBuffer buf = ByteBuffer.allocate(3 + (v3 ? 3 : v2 ? 2 : 0) + dekId.length
        + keys.encodedLength());
    buf.put(v3 ? WireFormat.VERSION_3 : v2 ? WireFormat.VERSION_2 : WireFormat.VERSION_1)
        .put(WireFormat.ALG_AES256_GCM).put(role.code());
    if (v3) {
      buf.put((byte) codec);
    }
    if (v2 || v3) {
      buf.putShort((short) clearPrefixLength);
    }
    buf.put(dekId);
    keys.put(buf);
    return new EnvelopeHeader(role, clearPrefixLength, codec, dekId.clone(), topic, kekId,
        keys.kekVersion(), keys.wrappedDekUnsafe(), buf.array());
  }

  /**
   * Parses an encoded header.
   *
   * @throws MalformedEnvelopeException naming what is wrong (never echoing the bytes)
   */
  public static EnvelopeHeader parse(byte[] bytes) {
    return parse(bytes, 0, bytes.length);
  }

  static EnvelopeHeader parse(byte[] bytes, int offset, int length) {
    ByteBuffer buf = ByteBuffer.wrap(bytes, offset, length);
    if (buf.remaining() < 3) {
      throw new MalformedEnvelopeException("envelope header truncated");
    }
    byte version = buf.get();
    if (version != WireFormat.VERSION_1 && version != WireFormat.VERSION_2
        && version != WireFormat.VERSION_3) {
      throw new UnsupportedVersionException(
          "unsupported envelope format version " + (version & 0xFF)
              + " (this library reads versions 1 to 3 here; version 4, deterministic, only inside "
              + "an inline frame)");
    }
    byte alg = buf.get();
    if (alg != WireFormat.ALG_AES256_GCM) {
      throw new UnsupportedVersionException("unsupported envelope algorithm " + (alg & 0xFF));
    }
    Role role = Role.fromCode(buf.get());
    if (role == null) {
      throw new MalformedEnvelopeException("unknown envelope role");
    }
    int codec = 0;
    if (version == WireFormat.VERSION_3) {
      if (!buf.hasRemaining()) {
        throw new MalformedEnvelopeException("envelope header truncated in compression codec");
      }
      codec = buf.get() & 0xFF;
      if (codec == 0) { // canonical: an uncompressed record is version 1 or 2
        throw new MalformedEnvelopeException("version 3 envelope header with no compression");
      }
      if (codec > WireFormat.MAX_CODEC) {
        throw new UnsupportedVersionException("unsupported compression codec " + codec
            + " (this library reads codecs 1 to " + WireFormat.MAX_CODEC + ")");
      }
    }
    int clearPrefixLength = 0;
    if (version != WireFormat.VERSION_1) {
      if (buf.remaining() < 2) {
        throw new MalformedEnvelopeException("envelope header truncated in clear prefix length");
      }
      clearPrefixLength = buf.getShort() & 0xFFFF;
      if (clearPrefixLength == 0 && version == WireFormat.VERSION_2) {
        // canonical: no clear prefix is version 1
        throw new MalformedEnvelopeException("version 2 envelope header with no clear prefix");
      }
    }
    if (buf.remaining() < WireFormat.DEK_ID_LENGTH) {
      throw new MalformedEnvelopeException("envelope header truncated in DEK id");
    }
    byte[] dekId = new byte[WireFormat.DEK_ID_LENGTH];
    buf.get(dekId);
    KeyFields keys = KeyFields.read(buf, FIELDS_OF);
    if (buf.hasRemaining()) {
      throw new MalformedEnvelopeException("envelope header has " + buf.remaining()
          + " trailing bytes");
    }
    byte[] encoded = Arrays.copyOfRange(bytes, offset, offset + length);
    return new EnvelopeHeader(role, clearPrefixLength, codec, dekId, keys.topic(),
        keys.kekId(), keys.kekVersion(), keys.wrappedDekUnsafe(), encoded);
  }

  public Role role() {
    return role;
  }

  /**
   * How many leading bytes of the record value are in the clear (authenticated, not encrypted);
   * 0 for version 1 headers.
   */
  public int clearPrefixLength() {
    return clearPrefixLength;
  }

  /**
   * The compression codec of the encrypted body (version 3), or 0 for an uncompressed record.
   */
  public int codec() {
    return codec;
  }

  /** The DEK id as 32 lowercase hex digits, as it appears in logs and errors. */
  public String dekIdHex() {
    return HexFormat.of().formatHex(dekId);
  }

  public String topic() {
    return topic;
  }

  public String kekId() {
    return kekId;
  }

  /** The KEK version, or {@code null} where the KMS exposes none. */
  public String kekVersion() {
    return kekVersion;
  }

  /** The wrapped DEK (not a copy: callers must not modify it). */
  byte[] wrappedDekUnsafe() {
    return wrappedDek;
  }

  /** A copy of the wrapped DEK. */
  public byte[] wrappedDek() {
    return wrappedDek.clone();
  }

  /**
   * The encoded header: the header value on the wire and the associated data. Not a copy, so the
   * hot path can hand the same array to every record; callers must not modify it.
   */
  public byte[] encodedUnsafe() {
    return encoded;
  }

  @Override
  public String toString() {
    return "EnvelopeHeader{role=" + role
        + (clearPrefixLength == 0 ? "" : ", clearPrefix=" + clearPrefixLength)
        + (codec == 0 ? "" : ", codec=" + codec)
        + ", topic=" + topic + ", kek=" + kekId
        + (kekVersion == null ? "" : ", kekVersion=" + kekVersion) + ", dek=" + dekIdHex()
        + ", wrappedDek=" + wrappedDek.length + " bytes}";
  }
}
