package io.kafkaenvelope.serde;

import io.kafkaenvelope.config.EnvelopeConfig;
import io.kafkaenvelope.config.EnvelopeConfig.PlaintextPolicy;
import io.kafkaenvelope.compress.Codec;
import io.kafkaenvelope.compress.Codecs;
import io.kafkaenvelope.compress.CorruptDataException;
import io.kafkaenvelope.crypto.AesGcm;
import io.kafkaenvelope.dek.DekCache;
import io.kafkaenvelope.kms.KeyManagementService;
import io.kafkaenvelope.kms.KmsException;
import io.kafkaenvelope.serde.EnvelopeException.Reason;
import io.kafkaenvelope.wire.EnvelopeHeader;
import io.kafkaenvelope.wire.InlineFrame;
import io.kafkaenvelope.wire.MalformedEnvelopeException;
import io.kafkaenvelope.wire.Role;
import io.kafkaenvelope.wire.UnsupportedVersionException;
import io.kafkaenvelope.wire.WireFormat;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import javax.crypto.spec.SecretKeySpec;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/** The consumer side of the envelope: one per deserializer instance, thread-safe. */
final class RecordDecryptor {

  /** Mirror prefixes stripped at most this many times (multi-hop MirrorMaker 2 chains). */
  static final int MAX_MIRROR_HOPS = 8;

  private final Role role;
  private final KeyManagementService kms;
  private final DekCache cache;
  private final PlaintextPolicy plaintextPolicy;
  private final List<String> mirrorAliases;
  private final String mirrorSeparator;
  private final int decompressedMaxBytes;

  /**
   * The last envelope header that decrypted a record, with its key: consecutive records of one DEK
   * and topic carry byte-identical headers, so they skip parsing and the cache lookup.
   */
  private volatile Recent recent;

  private record Recent(byte[] header, String topic, SecretKeySpec key, int clearPrefixLength,
      int codec, String kekId, String dekId) {}

  RecordDecryptor(EnvelopeConfig config, Role role, KeyManagementService kms, String kmsScope) {
    this.role = role;
    this.kms = kms;
    long timeout = config.getLong(EnvelopeConfig.KMS_TIMEOUT_MS);
    this.cache = DekCache.shared(kmsScope,
        config.getInt(EnvelopeConfig.DEK_CACHE_MAX_SIZE),
        Duration.ofMillis(config.getLong(EnvelopeConfig.DEK_CACHE_EXPIRE_AFTER_ACCESS_MS)),
        Duration.ofMillis(config.getLong(EnvelopeConfig.KMS_FAILURE_BACKOFF_MS)),
        timeout);
    this.plaintextPolicy = config.plaintextPolicy();
    this.mirrorAliases = config.getList(EnvelopeConfig.MIRROR_SOURCE_ALIASES);
    this.mirrorSeparator = config.getString(EnvelopeConfig.MIRROR_SEPARATOR);
    this.decompressedMaxBytes = config.getInt(EnvelopeConfig.DECOMPRESSED_MAX_BYTES);
  }

  /**
   * Returns the record's plaintext, or {@code data} itself for a record without an envelope when
   * the plaintext policy allows it.
   */
  byte[] decrypt(String topic, Headers headers, byte[] data) {
    Header h = headers == null ? null : headers.lastHeader(role.headerName());
    boolean hasHeader = h != null && h.value() != null;
    if (InlineFrame.isInline(data)) {
      // A value framed inline carries its own envelope, so it goes first: Kafka Streams 4.3+ hands
      // state-store deserializers the current record's headers, whose envelope header belongs to
      // another ciphertext. Only a header-mode ciphertext that happens to begin with the magic
      // (chance 2^-32) fails here and is then opened with its header.
      try {
        return openInline(topic, data);
      } catch (EnvelopeException inlineFailure) {
        if (!hasHeader) {
          throw inlineFailure;
        }
        try {
          return open(topic, h.value(), 0, h.value().length, data, 0, false);
        } catch (EnvelopeException headerFailure) {
          inlineFailure.addSuppressed(headerFailure);
          throw inlineFailure;
        }
      }
    }
    if (hasHeader) {
      byte[] header = h.value();
      return open(topic, header, 0, header.length, data, 0, false);
    }
    if (plaintextPolicy == PlaintextPolicy.ALLOW) {
      return data;
    }
    throw error(Reason.PLAINTEXT_REJECTED, topic, null, null, "the record has no '"
        + role.headerName() + "' header and no inline envelope; set "
        + EnvelopeConfig.PLAINTEXT_POLICY + "=allow only while migrating a plaintext topic");
  }

  private byte[] openInline(String topic, byte[] data) {
    int len;
    try {
      len = InlineFrame.headerLength(data);
    } catch (MalformedEnvelopeException e) {
      throw error(Reason.MALFORMED, topic, null, null, e.getMessage());
    }
    return open(topic, data, InlineFrame.HEADER_OFFSET, len, data, InlineFrame.HEADER_OFFSET + len,
        true);
  }

  /**
   * Opens a sealed record part. In header mode ({@code inline == false}) a version 2 header's
   * clear prefix sits at the front of {@code data}, in front of the nonce.
   */
  private byte[] open(String topic, byte[] hdr, int hdrOffset, int hdrLength, byte[] data,
      int nonceOffset, boolean inline) {
    Recent r = recent;
    if (r != null && r.header.length == hdrLength && r.topic.equals(topic)
        && !(inline && r.clearPrefixLength > 0)
        && Arrays.equals(r.header, 0, hdrLength, hdr, hdrOffset, hdrOffset + hdrLength)) {
      byte[] plaintext = decryptOrNull(r.key, hdr, hdrOffset, hdrLength, data, nonceOffset,
          r.clearPrefixLength);
      if (plaintext != null) {
        return r.codec == 0 ? plaintext
            : decompress(topic, r.kekId, r.dekId, r.codec, plaintext, r.clearPrefixLength);
      }
      // fall through to the full path, which names the DEK in the error
    }
    EnvelopeHeader envelope;
    try {
      envelope = EnvelopeHeader.parse(
          hdrOffset == 0 && hdrLength == hdr.length ? hdr
              : Arrays.copyOfRange(hdr, hdrOffset, hdrOffset + hdrLength));
    } catch (UnsupportedVersionException e) {
      throw error(Reason.UNSUPPORTED_VERSION, topic, null, null, e.getMessage());
    } catch (MalformedEnvelopeException e) {
      throw error(Reason.MALFORMED, topic, null, null, e.getMessage());
    }
    String kekId = envelope.kekId();
    String dekId = envelope.dekIdHex();
    int clearPrefixLength = envelope.clearPrefixLength();
    if (inline && clearPrefixLength > 0) {
      throw error(Reason.MALFORMED, topic, kekId, dekId,
          "an inline envelope cannot have a clear prefix");
    }
    if (data.length < clearPrefixLength) {
      throw error(Reason.MALFORMED, topic, kekId, dekId,
          "the record is shorter than its envelope's clear prefix");
    }
    if (envelope.role() != role) {
      throw error(Reason.TAMPERED, topic, kekId, dekId, "the envelope was made for the record "
          + envelope.role() + ", not the " + role);
    }
    if (!provenanceAllows(envelope.topic(), topic)) {
      throw error(Reason.TOPIC_MISMATCH, topic, kekId, dekId, "the record was encrypted for topic '"
          + envelope.topic() + "'; copies into other topics are refused (mirrored topics are "
          + "allowed through " + EnvelopeConfig.MIRROR_SOURCE_ALIASES + ")");
    }
    SecretKeySpec key;
    try {
      key = cache.get(kekId, envelope.wrappedDek(), kms);
    } catch (KmsException e) {
      throw new EnvelopeException(Reason.of(e.reason()), false, role, topic, kekId, dekId,
          "could not unwrap the data key: " + e.getMessage(), e);
    }
    byte[] plaintext = decryptOrNull(key, hdr, hdrOffset, hdrLength, data, nonceOffset,
        clearPrefixLength);
    if (plaintext == null) {
      throw error(Reason.TAMPERED, topic, kekId, dekId,
          "authentication failed: the record or its envelope was modified");
    }
    int codec = envelope.codec();
    recent = new Recent(envelope.encodedUnsafe(), topic, key, clearPrefixLength, codec, kekId,
        dekId);
    return codec == 0 ? plaintext
        : decompress(topic, kekId, dekId, codec, plaintext, clearPrefixLength);
  }

  /**
   * Turns an authenticated version 3 body, {@code clear prefix | u32 length | compressed}, into
   * {@code clear prefix | uncompressed}. The stated length is checked against the limit before
   * anything is allocated for it, so a small record cannot make the consumer allocate gigabytes.
   */
  private byte[] decompress(String topic, String kekId, String dekId, int codecId, byte[] body,
      int clearPrefixLength) {
    int p = clearPrefixLength;
    String name = Codecs.nameOf(codecId);
    if (body.length - p < WireFormat.UNCOMPRESSED_LENGTH_FIELD) {
      throw error(Reason.MALFORMED, topic, kekId, dekId,
          name + "-compressed record shorter than its length field");
    }
    long stated = ((body[p] & 0xFFL) << 24) | ((body[p + 1] & 0xFF) << 16)
        | ((body[p + 2] & 0xFF) << 8) | (body[p + 3] & 0xFF);
    if (stated > decompressedMaxBytes || p + stated > Integer.MAX_VALUE - 8) {
      throw error(Reason.MALFORMED, topic, kekId, dekId, name + "-compressed record states "
          + stated + " uncompressed bytes, more than " + EnvelopeConfig.DECOMPRESSED_MAX_BYTES
          + "=" + decompressedMaxBytes + " allows");
    }
    Codec codec;
    try {
      codec = Codecs.forId(codecId);
    } catch (Codecs.CodecUnavailableException e) {
      throw new EnvelopeException(Reason.MISCONFIGURED, false, role, topic, kekId, dekId,
          e.getMessage(), null);
    }
    byte[] out = new byte[p + (int) stated];
    System.arraycopy(body, 0, out, 0, p);
    int from = p + WireFormat.UNCOMPRESSED_LENGTH_FIELD;
    int n;
    try {
      n = codec.decompress(body, from, body.length - from, out, p, (int) stated);
    } catch (CorruptDataException e) {
      throw error(Reason.MALFORMED, topic, kekId, dekId, e.getMessage());
    } catch (RuntimeException e) { // a codec library's own failure on bad input
      throw error(Reason.MALFORMED, topic, kekId, dekId, name + " data does not decode ("
          + e.getClass().getName() + ")");
    }
    if (n != stated) {
      throw error(Reason.MALFORMED, topic, kekId, dekId, name + "-compressed record decompressed "
          + "to " + n + " bytes, not the " + stated + " it states");
    }
    return out;
  }

  /**
   * Decrypts, or returns {@code null} if authentication fails. A clear prefix (header mode only,
   * so {@code nonceOffset} is 0) is authenticated and returned in front of the plaintext.
   */
  private static byte[] decryptOrNull(SecretKeySpec key, byte[] aad, int aadOffset, int aadLength,
      byte[] data, int nonceOffset, int clearPrefixLength) {
    try {
      if (clearPrefixLength > 0) {
        return AesGcm.decryptWithClearPrefix(key, aad, aadOffset, aadLength, data,
            clearPrefixLength);
      }
      return AesGcm.decrypt(key, aad, aadOffset, aadLength, data, nonceOffset);
    } catch (GeneralSecurityException e) {
      return null;
    }
  }

  /**
   * Whether a record encrypted for {@code recorded} may be read from {@code actual}: the same
   * topic, or the topic behind one or more mirror prefixes ({@code source.orders},
   * {@code b.a.orders}). Every listed alias is tried at every hop, so aliases that are prefixes of
   * one another ({@code us} and {@code us.east} with separator {@code .}) work in any order.
   */
  boolean provenanceAllows(String recorded, String actual) {
    return provenanceAllows(recorded, actual, 0);
  }

  private boolean provenanceAllows(String recorded, String t, int hops) {
    if (t.equals(recorded)) {
      return true;
    }
    if (hops == MAX_MIRROR_HOPS || t.length() <= recorded.length()) {
      return false;
    }
    for (String alias : mirrorAliases) {
      if (t.startsWith(alias) && t.startsWith(mirrorSeparator, alias.length())
          && provenanceAllows(recorded, t.substring(alias.length() + mirrorSeparator.length()),
              hops + 1)) {
        return true;
      }
    }
    return false;
  }

  private EnvelopeException error(Reason reason, String topic, String kekId, String dekId,
      String detail) {
    return new EnvelopeException(reason, false, role, topic, kekId, dekId, detail, null);
  }
}
