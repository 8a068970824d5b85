package io.kafkaenvelope.cli;

import io.kafkaenvelope.internal.compress.Codecs;
import io.kafkaenvelope.internal.wire.EnvelopeHeader;
import io.kafkaenvelope.internal.wire.InlineFrame;
import io.kafkaenvelope.internal.wire.MalformedEnvelopeException;
import io.kafkaenvelope.internal.wire.Role;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * What a record part's envelope says, read without a KMS: its framing, and for an envelope its
 * header (format version, KEK id and version, DEK id, codec, the topic it was produced to). The
 * reader of the library looks at an inline frame first and at the record header second; so does
 * this.
 *
 * @param framing {@code header}, {@code inline}, {@code plaintext} (no envelope), {@code null}
 *     (no bytes: a tombstone or no key) or {@code malformed}
 * @param header the parsed envelope header, or {@code null}
 * @param problem why the envelope did not parse (framing {@code malformed}), or {@code null}
 */
record EnvelopeInfo(String framing, EnvelopeHeader header, String problem) {

  static final String HEADER = "header";
  static final String INLINE = "inline";
  static final String PLAINTEXT = "plaintext";
  static final String NULL = "null";
  static final String MALFORMED = "malformed";

  /** The envelope of a record's value ({@code Role.VALUE}) or key. */
  static EnvelopeInfo of(Role role, Headers headers, byte[] data) {
    if (InlineFrame.isInline(data)) {
      try {
        return new EnvelopeInfo(INLINE, InlineFrame.parseHeader(data), null);
      } catch (MalformedEnvelopeException e) {
        return new EnvelopeInfo(MALFORMED, null, e.getMessage());
      }
    }
    Header h = headers == null ? null : headers.lastHeader(role.headerName());
    if (h != null && h.value() != null) {
      try {
        return new EnvelopeInfo(HEADER, EnvelopeHeader.parse(h.value()), null);
      } catch (MalformedEnvelopeException e) {
        return new EnvelopeInfo(MALFORMED, null, e.getMessage());
      }
    }
    return new EnvelopeInfo(data == null ? NULL : PLAINTEXT, null, null);
  }

  /** Whether the part carries an envelope (well-formed or not). */
  boolean encrypted() {
    return header != null || MALFORMED.equals(framing);
  }

  /** The wire format version (1 to 3) of a parsed envelope. */
  int version() {
    return header.encodedUnsafe()[0] & 0xFF;
  }

  /** The codec's name ({@code none}, {@code gzip}, {@code lz4}, {@code zstd}). */
  String codec() {
    return header.codec() == 0 ? "none" : Codecs.nameOf(header.codec());
  }
}
