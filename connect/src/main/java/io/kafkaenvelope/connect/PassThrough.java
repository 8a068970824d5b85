package io.kafkaenvelope.connect;

import io.kafkaenvelope.config.EnvelopeConfig;
import io.kafkaenvelope.connect.EncryptingConverterConfig.PassthroughFormat;
import io.kafkaenvelope.internal.wire.EnvelopeHeader;
import io.kafkaenvelope.internal.wire.InlineFrame;
import io.kafkaenvelope.internal.wire.MalformedEnvelopeException;
import io.kafkaenvelope.internal.wire.Role;
import io.kafkaenvelope.serde.EnvelopeException;
import java.util.Base64;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.errors.DataException;

/**
 * The sink side of {@code envelope.converter.sink.mode=passthrough}: hands the sink each record's
 * ciphertext as one self-contained inline envelope, without any key. A value already framed
 * inline goes on unchanged. A value whose envelope travels in the record header is framed into an
 * inline envelope: the inline frame carries the same envelope header and the same nonce,
 * ciphertext and tag, and the associated data is the envelope header in both framings, so the
 * frame decrypts exactly as the record would have (a header with a clear prefix cannot be framed:
 * inline envelopes have none, and such a record is refused). Nothing is authenticated here; the
 * reader that decrypts the stored frame later does that.
 */
final class PassThrough {

  private final Role role;
  private final PassthroughFormat format;
  private final boolean allowPlaintext;

  PassThrough(Role role, PassthroughFormat format, boolean allowPlaintext) {
    this.role = role;
    this.format = format;
    this.allowPlaintext = allowPlaintext;
  }

  SchemaAndValue toConnectData(String topic, Headers headers, byte[] value) {
    Schema schema = format == PassthroughFormat.BASE64 ? Schema.OPTIONAL_STRING_SCHEMA
        : Schema.OPTIONAL_BYTES_SCHEMA;
    if (value == null) {
      return new SchemaAndValue(schema, null);
    }
    byte[] frame = frame(topic, headers, value);
    return new SchemaAndValue(schema, format == PassthroughFormat.BASE64
        ? Base64.getEncoder().encodeToString(frame) : frame);
  }

  /** The record's envelope as a self-contained inline frame, or a {@link DataException}. */
  byte[] frame(String topic, Headers headers, byte[] value) {
    Header h = headers == null ? null : headers.lastHeader(role.headerName());
    boolean hasHeader = h != null && h.value() != null;
    if (InlineFrame.isInline(value)) {
      try {
        check(topic, InlineFrame.parseHeader(value));
        return value;
      } catch (MalformedEnvelopeException | DataException e) {
        if (!hasHeader) {
          throw e instanceof DataException d ? d : refused(topic, "its inline envelope does not "
              + "parse: " + e.getMessage());
        }
        // a header-mode ciphertext that happens to begin with the inline magic (chance 2^-32)
      }
    }
    if (hasHeader) {
      EnvelopeHeader envelope;
      try {
        envelope = EnvelopeHeader.parse(h.value());
      } catch (MalformedEnvelopeException e) {
        throw refused(topic, "its '" + role.headerName() + "' header does not parse: "
            + e.getMessage());
      }
      check(topic, envelope);
      if (envelope.clearPrefixLength() > 0) {
        throw refused(topic, "its envelope keeps a clear prefix (the producer's "
            + EnvelopeConfig.CLEAR_PREFIX + "), which only header framing can carry; produce "
            + "with " + EnvelopeConfig.CLEAR_PREFIX + "=none or " + EnvelopeConfig.FRAMING
            + "=inline for topics a pass-through sink stores");
      }
      byte[] header = h.value();
      if (header.length > InlineFrame.MAX_HEADER_LENGTH) {
        throw refused(topic, "its envelope header is " + header.length + " bytes, more than an "
            + "inline envelope holds (" + InlineFrame.MAX_HEADER_LENGTH + ")");
      }
      byte[] frame = new byte[InlineFrame.prefixLength(header.length) + value.length];
      int offset = InlineFrame.writePrefix(frame, header);
      System.arraycopy(value, 0, frame, offset, value.length);
      return frame;
    }
    if (headers != null && headers.lastHeader(role.fieldsHeaderName()) != null) {
      // Field mode (envelope.mode=field): the keys of the sealed fields travel in the record
      // headers, which a sink does not store, and no inline frame can carry them.
      throw refused(topic, "its fields were encrypted one by one (the producer's "
          + EnvelopeConfig.MODE + "=field), and their keys travel in the '"
          + role.fieldsHeaderName() + "' headers, which the sink would not store; use "
          + EncryptingConverterConfig.SINK_MODE + "=decrypt, or a sink that keeps record headers "
          + "with a byte-array converter");
    }
    if (allowPlaintext) {
      return value;
    }
    throw refused(topic, "it has no envelope (no '" + role.headerName() + "' header and no "
        + "inline envelope), so storing it would store plaintext; set "
        + EnvelopeConfig.PLAINTEXT_POLICY + "=allow only while a topic migrates to encryption");
  }

  private void check(String topic, EnvelopeHeader envelope) {
    if (envelope.role() != role) {
      throw refused(topic, "its envelope was made for the record " + envelope.role() + ", not "
          + "the " + role);
    }
  }

  private DataException refused(String topic, String why) {
    return new DataException("EncryptingConverter (" + role + ", "
        + EncryptingConverterConfig.SINK_MODE + "=passthrough) refused a record from topic '"
        + EnvelopeException.printable(topic) + "': " + why);
  }
}
