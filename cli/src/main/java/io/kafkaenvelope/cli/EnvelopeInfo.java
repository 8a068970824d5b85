package io.kafkaenvelope.cli;

import io.kafkaenvelope.internal.compress.Codecs;
import io.kafkaenvelope.internal.wire.DeterministicHeader;
import io.kafkaenvelope.internal.wire.EnvelopeHeader;
import io.kafkaenvelope.internal.wire.FieldHeader;
import io.kafkaenvelope.internal.wire.InlineFrame;
import io.kafkaenvelope.internal.wire.MalformedEnvelopeException;
import io.kafkaenvelope.internal.wire.Role;
import io.kafkaenvelope.internal.wire.WireFormat;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * What a record part's envelope says, read without a KMS: its framing, format version, codec,
 * and which keys it needs. The library's reader looks at an inline frame first, at the record
 * header second and at the field headers third; so does this. Every format the library writes
 * is recognised:
 *
 * <ul>
 *   <li>versions 1, 2, 3 and 6 in the record header or inline: one KEK, its version, a data key;
 *   <li>version 4 (deterministic, always inline): one KEK and no data key id: the key is derived
 *       from the KEK for a scope and epoch, reported as {@code
 *       derived:<scope kind>:<scope>#<epoch>};
 *   <li>version 5 (field mode): one field header per KEK the record's fields use, each with its
 *       KEK, version and data key; the record needs all of them.
 * </ul>
 *
 * @param framing {@code header}, {@code inline}, {@code fields}, {@code plaintext} (no
 *     envelope), {@code null} (no bytes: a tombstone or no key) or {@code malformed}
 * @param version the wire format version, or 0 without a (well-formed) envelope
 * @param codec the codec's name ({@code none}, {@code gzip}, {@code lz4}, {@code zstd}), or
 *     {@code null} without a (well-formed) envelope
 * @param keys the keys the part needs, one per KEK (empty without a well-formed envelope)
 * @param problem why the envelope did not parse (framing {@code malformed}), or {@code null}
 */
record EnvelopeInfo(String framing, int version, String codec, List<KeyUse> keys,
    String problem) {

  static final String HEADER = "header";
  static final String INLINE = "inline";
  static final String FIELDS = "fields";
  static final String PLAINTEXT = "plaintext";
  static final String NULL = "null";
  static final String MALFORMED = "malformed";

  /**
   * One KEK a record part needs.
   *
   * @param kekId the KEK id as in the envelope
   * @param kekVersion the KEK version, or {@code null} when the envelope names none
   * @param dataKey the data key's id (hex), or the derivation of a deterministic key
   * @param topic the topic the envelope was made for, or {@code null} (a named deterministic
   *     scope binds no topic)
   */
  record KeyUse(String kekId, String kekVersion, String dataKey, String topic) {}

  /** The envelope of a record's value ({@code Role.VALUE}) or key. */
  static EnvelopeInfo of(Role role, Headers headers, byte[] data) {
    try {
      if (InlineFrame.isInline(data)) {
        return DeterministicHeader.isDeterministic(data) ? deterministic(data)
            : of(INLINE, InlineFrame.parseHeader(data));
      }
      Header h = headers == null ? null : headers.lastHeader(role.headerName());
      if (h != null && h.value() != null) {
        return of(HEADER, EnvelopeHeader.parse(h.value()));
      }
      Iterable<Header> fields = headers == null ? List.of()
          : headers.headers(role.fieldsHeaderName());
      if (fields.iterator().hasNext()) {
        return fields(fields);
      }
    } catch (MalformedEnvelopeException e) {
      return new EnvelopeInfo(MALFORMED, 0, null, List.of(), e.getMessage());
    }
    return new EnvelopeInfo(data == null ? NULL : PLAINTEXT, 0, null, List.of(), null);
  }

  private static EnvelopeInfo of(String framing, EnvelopeHeader h) {
    String codec = h.codec() == 0 ? "none" : Codecs.nameOf(h.codec());
    return new EnvelopeInfo(framing, h.encodedUnsafe()[0] & 0xFF, codec,
        List.of(new KeyUse(h.kekId(), h.kekVersion(), h.dekIdHex(), h.topic())), null);
  }

  private static EnvelopeInfo deterministic(byte[] frame) {
    DeterministicHeader h = DeterministicHeader.parse(frame, InlineFrame.HEADER_OFFSET,
        InlineFrame.headerLength(frame));
    String topic = h.scopeKind() == DeterministicHeader.ScopeKind.TOPIC ? h.scope() : null;
    return new EnvelopeInfo(INLINE, WireFormat.VERSION_4, "none", List.of(new KeyUse(h.kekId(),
        null, "derived:" + h.scopeKind() + ":" + h.scope() + "#" + h.epoch(), topic)), null);
  }

  private static EnvelopeInfo fields(Iterable<Header> headers) {
    List<KeyUse> keys = new ArrayList<>(2);
    for (Header h : headers) {
      if (h.value() == null) {
        throw new MalformedEnvelopeException("an empty field envelope header");
      }
      FieldHeader f = FieldHeader.parse(h.value());
      keys.add(new KeyUse(f.kekId(), f.kekVersion(), f.dekIdHex(), f.topic()));
    }
    return new EnvelopeInfo(FIELDS, WireFormat.VERSION_5, "none", List.copyOf(keys), null);
  }
}
