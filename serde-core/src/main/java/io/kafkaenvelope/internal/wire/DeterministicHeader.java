package io.kafkaenvelope.internal.wire;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * The envelope header of a deterministic record part (format version 4). It carries no DEK id and
 * no wrapped key, only what names the key every party derives from the KMS, so it is the same for
 * every producer, host and restart, and equal plaintexts give equal record bytes:
 *
 * <pre>
 * u8 version (0x04) | u8 algorithm (0x02, AES-SIV) | u8 role (0x01 value, 0x02 key)
 * u8 scope kind (0x01 topic, 0x02 named) | u32 key epoch
 * u16 len | scope (UTF-8: the topic, or the configured scope name) | u16 len | KEK id (UTF-8)
 * </pre>
 *
 * It is only ever carried inside an inline frame (the record key must be self-contained: log
 * compaction, partitioning and Kafka Streams stores see the key bytes and nothing else), and its
 * exact bytes are the AES-SIV associated data. Canonical: one byte string per header.
 */
public final class DeterministicHeader {

  /** How a malformed field of this header is described. */
  private static final String FIELDS_OF = "deterministic envelope header";

  private static final int MAX_FIELD = 0xFFFF;

  /** What a scope name means: a topic (the default) or a name several topics share. */
  public enum ScopeKind {
    TOPIC((byte) 0x01),
    NAMED((byte) 0x02);

    private final byte code;

    ScopeKind(byte code) {
      this.code = code;
    }

    public byte code() {
      return code;
    }

    static ScopeKind fromCode(byte code) {
      for (ScopeKind k : values()) {
        if (k.code == code) {
          return k;
        }
      }
      return null;
    }

    @Override
    public String toString() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  private final Role role;
  private final ScopeKind scopeKind;
  private final long epoch;
  private final String scope;
  private final String kekId;
  private final byte[] encoded;

  private DeterministicHeader(Role role, ScopeKind scopeKind, long epoch, String scope,
      String kekId, byte[] encoded) {
    this.role = role;
    this.scopeKind = scopeKind;
    this.epoch = epoch;
    this.scope = scope;
    this.kekId = kekId;
    this.encoded = encoded;
  }

  /** Builds and encodes a header. */
  public static DeterministicHeader create(Role role, ScopeKind scopeKind, long epoch,
      String scope, String kekId) {
    Objects.requireNonNull(role, "role");
    Objects.requireNonNull(scopeKind, "scopeKind");
    if (epoch < 0 || epoch > 0xFFFFFFFFL) {
      throw new IllegalArgumentException("key epoch out of range");
    }
    byte[] s = scope.getBytes(StandardCharsets.UTF_8);
    byte[] k = kekId.getBytes(StandardCharsets.UTF_8);
    if (s.length > MAX_FIELD || k.length > MAX_FIELD) {
      throw new IllegalArgumentException("envelope field longer than " + MAX_FIELD + " bytes");
    }
    if (s.length == 0 || k.length == 0) {
      throw new IllegalArgumentException("scope and KEK id must not be empty");
    }
    ByteBuffer buf = ByteBuffer.allocate(8 + 4 + s.length + k.length);
    buf.put(WireFormat.VERSION_4).put(WireFormat.ALG_AES256_SIV).put(role.code())
        .put(scopeKind.code()).putInt((int) epoch)
        .putShort((short) s.length).put(s).putShort((short) k.length).put(k);
    return new DeterministicHeader(role, scopeKind, epoch, scope, kekId, buf.array());
  }

  /**
   * Parses an encoded header.
   *
   * @throws UnsupportedVersionException for another version or algorithm
   * @throws MalformedEnvelopeException naming what is wrong (never echoing the bytes)
   */
  public static DeterministicHeader parse(byte[] bytes, int offset, int length) {
    ByteBuffer buf = ByteBuffer.wrap(bytes, offset, length);
    if (buf.remaining() < 8) {
      throw new MalformedEnvelopeException("deterministic envelope header truncated");
    }
    if (buf.get() != WireFormat.VERSION_4) {
      throw new UnsupportedVersionException("not a deterministic envelope header");
    }
    byte alg = buf.get();
    if (alg != WireFormat.ALG_AES256_SIV) {
      throw new UnsupportedVersionException("unsupported deterministic envelope algorithm "
          + (alg & 0xFF));
    }
    Role role = Role.fromCode(buf.get());
    if (role == null) {
      throw new MalformedEnvelopeException("unknown envelope role");
    }
    ScopeKind kind = ScopeKind.fromCode(buf.get());
    if (kind == null) {
      throw new MalformedEnvelopeException("unknown deterministic scope kind");
    }
    long epoch = buf.getInt() & 0xFFFFFFFFL;
    String scope = HeaderFields.readUtf8(buf, FIELDS_OF, "scope");
    String kekId = HeaderFields.readUtf8(buf, FIELDS_OF, "KEK id");
    if (buf.hasRemaining()) {
      throw new MalformedEnvelopeException("deterministic envelope header has "
          + buf.remaining() + " trailing bytes");
    }
    if (scope.isEmpty() || kekId.isEmpty()) {
      throw new MalformedEnvelopeException("deterministic envelope header has an empty scope or "
          + "KEK id");
    }
    return new DeterministicHeader(role, kind, epoch, scope, kekId,
        Arrays.copyOfRange(bytes, offset, offset + length));
  }

  /** Whether the frame {@link InlineFrame#isInline} accepted holds a deterministic header. */
  public static boolean isDeterministic(byte[] frame) {
    return frame.length > InlineFrame.HEADER_OFFSET
        && frame[InlineFrame.HEADER_OFFSET] == WireFormat.VERSION_4;
  }

  /**
   * An inline frame of this header around an AES-SIV output ({@code siv | ciphertext}).
   */
  public byte[] frame(byte[] sivOutput) {
    byte[] out = new byte[InlineFrame.prefixLength(encoded.length) + sivOutput.length];
    int at = InlineFrame.writePrefix(out, encoded);
    System.arraycopy(sivOutput, 0, out, at, sivOutput.length);
    return out;
  }

  public Role role() {
    return role;
  }

  public ScopeKind scopeKind() {
    return scopeKind;
  }

  /** The key epoch, 0 to 2^32-1. */
  public long epoch() {
    return epoch;
  }

  /** The topic (scope kind {@code topic}) or the shared scope name. */
  public String scope() {
    return scope;
  }

  public String kekId() {
    return kekId;
  }

  /** The encoded header, also the associated data. Not a copy: callers must not modify it. */
  public byte[] encodedUnsafe() {
    return encoded;
  }

  @Override
  public String toString() {
    return "DeterministicHeader{role=" + role + ", " + scopeKind + " scope=" + scope + ", kek="
        + kekId + ", epoch=" + epoch + "}";
  }
}
