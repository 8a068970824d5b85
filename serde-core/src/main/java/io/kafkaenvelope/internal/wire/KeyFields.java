package io.kafkaenvelope.internal.wire;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The fields that name a data key and its KEK, shared by the record envelope header (versions 1
 * to 3) and the field header (version 5), in this order, each a {@code u16} length and its bytes:
 * topic (UTF-8), KEK id (UTF-8, not empty), KEK version (UTF-8, empty for none), wrapped DEK (not
 * empty). One writer and one strict reader for both headers.
 */
final class KeyFields {

  private static final int MAX_FIELD = 0xFFFF;

  private final String topic;
  private final String kekId;
  private final String kekVersion;
  private final byte[] wrappedDek;
  /** Encoded topic, KEK id and version; {@code null} when read (only writing needs them). */
  private final byte[][] encoded;

  private KeyFields(String topic, String kekId, String kekVersion, byte[] wrappedDek,
      byte[][] encoded) {
    this.topic = topic;
    this.kekId = kekId;
    this.kekVersion = kekVersion;
    this.wrappedDek = wrappedDek;
    this.encoded = encoded;
  }

  /**
   * Checks and encodes the fields for writing.
   *
   * @throws IllegalArgumentException if a field is too long, or the KEK id or wrapped DEK empty
   */
  static KeyFields of(String topic, String kekId, String kekVersion, byte[] wrappedDek) {
    byte[] t = topic.getBytes(StandardCharsets.UTF_8);
    byte[] k = kekId.getBytes(StandardCharsets.UTF_8);
    byte[] v = kekVersion == null ? new byte[0] : kekVersion.getBytes(StandardCharsets.UTF_8);
    for (byte[] f : new byte[][] {t, k, v, wrappedDek}) {
      if (f.length > MAX_FIELD) {
        throw new IllegalArgumentException("envelope field longer than " + MAX_FIELD + " bytes");
      }
    }
    if (k.length == 0 || wrappedDek.length == 0) {
      throw new IllegalArgumentException("KEK id and wrapped DEK must not be empty");
    }
    return new KeyFields(topic, kekId, v.length == 0 ? null : kekVersion, wrappedDek.clone(),
        new byte[][] {t, k, v});
  }

  /** Bytes {@link #put} writes. */
  int encodedLength() {
    return 8 + encoded[0].length + encoded[1].length + encoded[2].length + wrappedDek.length;
  }

  void put(ByteBuffer buf) {
    HeaderFields.put(buf, encoded[0]);
    HeaderFields.put(buf, encoded[1]);
    HeaderFields.put(buf, encoded[2]);
    HeaderFields.put(buf, wrappedDek);
  }

  /**
   * Reads the fields of header {@code fieldsOf} (e.g. "envelope header").
   *
   * @throws MalformedEnvelopeException for a truncated field, invalid UTF-8, or an empty KEK id
   *     or wrapped DEK
   */
  static KeyFields read(ByteBuffer buf, String fieldsOf) {
    String topic = HeaderFields.readUtf8(buf, fieldsOf, "topic");
    String kekId = HeaderFields.readUtf8(buf, fieldsOf, "KEK id");
    byte[] version = HeaderFields.read(buf, fieldsOf, "KEK version");
    byte[] wrapped = HeaderFields.read(buf, fieldsOf, "wrapped DEK");
    if (kekId.isEmpty() || wrapped.length == 0) {
      throw new MalformedEnvelopeException(fieldsOf + " has an empty KEK id or wrapped DEK");
    }
    return new KeyFields(topic, kekId, version.length == 0 ? null
        : HeaderFields.utf8(version, "KEK version"), wrapped, null);
  }

  String topic() {
    return topic;
  }

  String kekId() {
    return kekId;
  }

  /** The KEK version, or {@code null} where the KMS exposes none. */
  String kekVersion() {
    return kekVersion;
  }

  /** The wrapped DEK; not a copy. */
  byte[] wrappedDekUnsafe() {
    return wrappedDek;
  }
}
