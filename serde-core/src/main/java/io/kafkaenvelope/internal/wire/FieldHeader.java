package io.kafkaenvelope.internal.wire;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;

/**
 * A field envelope header (format version 5): what a record's fields sealed under one KEK need,
 * carried in the record header {@code kafka-envelope.value.fields} (or {@code .key.fields}), one
 * such header per KEK the record uses, in index order:
 *
 * <pre>
 * u8 version (0x05) | u8 algorithm (0x01, AES-256-GCM) | u8 role | u8 index
 * 16 bytes DEK id | 12 bytes record nonce
 * u16 len | topic | u16 len | KEK id | u16 len | KEK version (may be empty) | u16 len | wrapped DEK
 *     (the binding: the part known before the record is walked)
 * u8 count (field headers on the record)
 * u16 path count | path count x (u16 len | concrete path, UTF-8)
 * 16 bytes tag: of the header's one AES-GCM call under the DEK, nonce = record nonce, plaintext
 *     = its random fields' encodings concatenated in path order, associated data = every byte
 *     above | the lengths list (per path, u32: a random field's length, 0xFFFFFFFF for a
 *     deterministic one; not on the wire)
 * </pre>
 *
 * The tag authenticates the header and all its random fields at once: a path added, dropped or
 * edited, an index or count changed, a field changed, moved or resized fails. Each random field
 * stores {@code 0x05 | index | its slice of the ciphertext}. The record nonce is drawn from the
 * DEK's nonce counter, so it is unique per record under a DEK and binds each field to its
 * record. Canonical: one byte string per header, no trailing bytes.
 */
public final class FieldHeader {

  private static final String FIELDS_OF = "field envelope header";
  private static final int MAX_FIELD = 0xFFFF;
  /** Bytes before the DEK id: version, algorithm, role, index. */
  private static final int FIXED = 4;
  /** Offset of the index byte in a header or binding. */
  public static final int INDEX_OFFSET = 3;

  private final Role role;
  private final int index;
  private final int count;
  private final byte[] dekId;
  private final KeyFields keys;
  private final List<String> paths;
  private final byte[] encoded;
  private final int bindingLength;
  private final String dekIdHex;

  private FieldHeader(Role role, int index, int count, byte[] dekId, KeyFields keys,
      List<String> paths, byte[] encoded, int bindingLength, String dekIdHex) {
    this.role = role;
    this.index = index;
    this.count = count;
    this.dekId = dekId;
    this.keys = keys;
    this.paths = paths;
    this.encoded = encoded;
    this.bindingLength = bindingLength;
    this.dekIdHex = dekIdHex;
  }

  /**
   * The binding part of a header (everything up to the wrapped DEK): known before the record's
   * paths are, made once per data key and topic by the writer.
   */
  public static byte[] binding(Role role, int index, byte[] dekId, byte[] recordNonce,
      String topic, String kekId, String kekVersion, byte[] wrappedDek) {
    Objects.requireNonNull(role, "role");
    checkIndex(index, index + 1);
    if (dekId.length != WireFormat.DEK_ID_LENGTH || recordNonce.length
        != WireFormat.NONCE_LENGTH) {
      throw new IllegalArgumentException("DEK id or record nonce of the wrong length");
    }
    KeyFields keys = KeyFields.of(topic, kekId, kekVersion, wrappedDek);
    ByteBuffer buf = ByteBuffer.allocate(FIXED + dekId.length + recordNonce.length
        + keys.encodedLength());
    buf.put(WireFormat.VERSION_5).put(WireFormat.ALG_AES256_GCM).put(role.code())
        .put((byte) index).put(dekId).put(recordNonce);
    keys.put(buf);
    return buf.array();
  }

  /**
   * The header bytes with the tag left zero: {@code binding}, the record's header {@code count}
   * (known only once the record is walked) and the path list. The caller computes the tag over
   * all but the last 16 bytes and writes it there.
   */
  public static byte[] unsealed(byte[] binding, int count, List<String> paths) {
    checkIndex(binding[3] & 0xFF, count);
    int len = binding.length + 3;
    List<byte[]> encodedPaths = new ArrayList<>(paths.size());
    for (String p : paths) {
      byte[] b = p.getBytes(StandardCharsets.UTF_8);
      if (b.length > MAX_FIELD || b.length == 0) {
        throw new IllegalArgumentException("a field path must have 1 to " + MAX_FIELD + " bytes");
      }
      encodedPaths.add(b);
      len += 2 + b.length;
    }
    if (paths.size() > MAX_FIELD) {
      throw new IllegalArgumentException("more than " + MAX_FIELD + " fields under one KEK");
    }
    ByteBuffer buf = ByteBuffer.allocate(len + WireFormat.TAG_LENGTH);
    buf.put(binding).put((byte) count).putShort((short) paths.size());
    for (byte[] b : encodedPaths) {
      HeaderFields.put(buf, b);
    }
    return buf.array(); // the tag's 16 bytes are left zero for the caller
  }

  /** Offset of the record nonce in a header or binding. */
  public static int recordNonceOffset() {
    return FIXED + WireFormat.DEK_ID_LENGTH;
  }

  /**
   * Parses an encoded header (the tag is not checked here: that needs the DEK).
   *
   * @throws UnsupportedVersionException for another version or algorithm
   * @throws MalformedEnvelopeException naming what is wrong (never echoing the bytes)
   */
  public static FieldHeader parse(byte[] bytes) {
    ByteBuffer buf = ByteBuffer.wrap(bytes);
    if (buf.remaining() < FIXED) {
      throw new MalformedEnvelopeException(FIELDS_OF + " truncated");
    }
    byte version = buf.get();
    if (version != WireFormat.VERSION_5) {
      throw new UnsupportedVersionException("unsupported field envelope format version "
          + (version & 0xFF) + " (this library reads version 5 in field headers)");
    }
    byte alg = buf.get();
    if (alg != WireFormat.ALG_AES256_GCM) {
      throw new UnsupportedVersionException("unsupported field envelope algorithm "
          + (alg & 0xFF));
    }
    Role role = Role.fromCode(buf.get());
    if (role == null) {
      throw new MalformedEnvelopeException("unknown envelope role");
    }
    int index = buf.get() & 0xFF;
    if (buf.remaining() < WireFormat.DEK_ID_LENGTH + WireFormat.NONCE_LENGTH) {
      throw new MalformedEnvelopeException(FIELDS_OF + " truncated in DEK id or record nonce");
    }
    byte[] dekId = new byte[WireFormat.DEK_ID_LENGTH];
    buf.get(dekId);
    buf.position(buf.position() + WireFormat.NONCE_LENGTH);
    KeyFields keys = KeyFields.read(buf, FIELDS_OF);
    int bindingLength = buf.position();
    if (buf.remaining() < 3) {
      throw new MalformedEnvelopeException(FIELDS_OF + " truncated before path count");
    }
    int count = buf.get() & 0xFF;
    if (index >= count) {
      throw new MalformedEnvelopeException(FIELDS_OF + " has index " + index + " of " + count);
    }
    int n = buf.getShort() & 0xFFFF;
    List<String> paths = new ArrayList<>(Math.min(n, 64));
    for (int i = 0; i < n; i++) {
      String p = HeaderFields.readUtf8(buf, FIELDS_OF, "field path");
      if (p.isEmpty()) {
        throw new MalformedEnvelopeException(FIELDS_OF + " has an empty field path");
      }
      paths.add(p);
    }
    if (buf.remaining() != WireFormat.TAG_LENGTH) {
      throw new MalformedEnvelopeException(FIELDS_OF + (buf.remaining() < WireFormat.TAG_LENGTH
          ? " truncated in tag" : " has " + (buf.remaining() - WireFormat.TAG_LENGTH)
              + " trailing bytes"));
    }
    return new FieldHeader(role, index, count, dekId, keys, Collections.unmodifiableList(paths),
        bytes.clone(), bindingLength, HexFormat.of().formatHex(dekId));
  }

  /**
   * As {@link #parse(byte[])}, but when {@code bytes} equals {@code previous}'s encoding except in
   * the record nonce and the tag (the usual case: the records of one producer under one data
   * key), {@code previous}'s parsed parts are reused: same role, index, count, DEK, topic, KEK,
   * wrapped DEK and {@link #paths} (the same list instance), and only the encoding is new. Parsing
   * checks neither the nonce nor the tag, so the result equals what {@code parse(bytes)} gives.
   */
  public static FieldHeader parse(byte[] bytes, FieldHeader previous) {
    if (previous == null || !sameButNonceAndTag(bytes, previous.encoded)) {
      return parse(bytes);
    }
    return new FieldHeader(previous.role, previous.index, previous.count, previous.dekId,
        previous.keys, previous.paths, bytes.clone(), previous.bindingLength, previous.dekIdHex);
  }

  private static boolean sameButNonceAndTag(byte[] a, byte[] b) {
    int n = a.length;
    int nonceAt = recordNonceOffset();
    int nonceEnd = nonceAt + WireFormat.NONCE_LENGTH;
    int tagAt = n - WireFormat.TAG_LENGTH;
    return n == b.length && tagAt >= nonceEnd
        && Arrays.equals(a, 0, nonceAt, b, 0, nonceAt)
        && Arrays.equals(a, nonceEnd, tagAt, b, nonceEnd, tagAt);
  }

  private static void checkIndex(int index, int count) {
    if (count < 1 || count > 0xFF || index < 0 || index >= count) {
      throw new IllegalArgumentException("field header index " + index + " of " + count);
    }
  }

  public Role role() {
    return role;
  }

  /** This header's position among the record's field headers. */
  public int index() {
    return index;
  }

  /** How many field headers the record has. */
  public int count() {
    return count;
  }

  public String dekIdHex() {
    return dekIdHex;
  }

  /** The topic the record was produced to. */
  public String topic() {
    return keys.topic();
  }

  /** The KEK its data key is wrapped under. */
  public String kekId() {
    return keys.kekId();
  }

  /** The KEK version, or {@code null}. */
  public String kekVersion() {
    return keys.kekVersion();
  }

  /** A copy of the wrapped DEK. */
  public byte[] wrappedDek() {
    return keys.wrappedDekUnsafe().clone();
  }

  /** The concrete paths sealed under this header, in the order written. */
  public List<String> paths() {
    return paths;
  }

  /** The encoded header; not a copy, callers must not modify it. */
  public byte[] encodedUnsafe() {
    return encoded;
  }

  /** How many leading bytes of {@link #encodedUnsafe} are the binding. */
  public int bindingLength() {
    return bindingLength;
  }

  /** The binding part (a copy). */
  public byte[] binding() {
    return Arrays.copyOf(encoded, bindingLength);
  }

  @Override
  public String toString() {
    return "FieldHeader{role=" + role + ", " + index + "/" + count + ", topic=" + topic()
        + ", kek=" + kekId() + ", dek=" + dekIdHex() + ", paths=" + paths.size() + "}";
  }
}
