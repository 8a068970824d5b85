package io.kafkaenvelope.serde;

import com.google.crypto.tink.DeterministicAead;
import io.kafkaenvelope.config.EnvelopeConfig;
import io.kafkaenvelope.internal.deterministic.DeterministicScope;
import io.kafkaenvelope.internal.deterministic.SivKeys;
import io.kafkaenvelope.internal.dek.DekCache;
import io.kafkaenvelope.internal.kek.KekHeaderException;
import io.kafkaenvelope.internal.kek.KekPolicy;
import io.kafkaenvelope.internal.wire.DeterministicHeader;
import io.kafkaenvelope.internal.wire.DeterministicHeader.ScopeKind;
import io.kafkaenvelope.internal.wire.InlineFrame;
import io.kafkaenvelope.internal.wire.MalformedEnvelopeException;
import io.kafkaenvelope.internal.wire.Role;
import io.kafkaenvelope.internal.wire.UnsupportedVersionException;
import io.kafkaenvelope.internal.wire.WireFormat;
import io.kafkaenvelope.kms.KmsException;
import io.kafkaenvelope.serde.EnvelopeException.Reason;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.Arrays;
import java.util.function.BiPredicate;

/**
 * The consumer side of deterministic envelopes (format version 4, always inline). The checks run
 * in the order of record mode, all before any KMS call: role, provenance (a topic scope must be
 * the topic read, or reachable through the mirror aliases; a named scope must be the one this
 * reader is configured for), key epoch (at most {@code envelope.deterministic.epoch}, so a writer
 * cannot make it derive keys for arbitrary epochs), KEK policy. Then the key is derived (once per
 * process and (KEK, scope, epoch)) and AES-SIV authenticates header and ciphertext.
 */
final class DeterministicDecryptor {

  private final Role role;
  private final KekPolicy kekPolicy;
  /** The named scopes this reader accepts. */
  private final java.util.Set<String> scopeNames;
  private final long maxEpoch;
  private final SivKeys keys;
  private final BiPredicate<String, String> provenance;
  /** The last header that decrypted, so a run of records with one header skips the checks. */
  private volatile Recent recent;

  private record Recent(byte[] header, String topic, DekCache.WrappedKey key, String kekId,
      ScopeKind kind) {}

  DeterministicDecryptor(EnvelopeConfig config, Role role, KekPolicy kekPolicy, SivKeys keys,
      BiPredicate<String, String> provenance) {
    this(config, role, kekPolicy, keys, provenance, config.deterministicScope() == null
        ? java.util.Set.of() : java.util.Set.of(config.deterministicScope()));
  }

  /** As above, accepting the named scopes {@code scopeNames} (field mode's). */
  DeterministicDecryptor(EnvelopeConfig config, Role role, KekPolicy kekPolicy, SivKeys keys,
      BiPredicate<String, String> provenance, java.util.Set<String> scopeNames) {
    this.role = role;
    this.kekPolicy = kekPolicy;
    this.scopeNames = scopeNames;
    this.maxEpoch = config.deterministicEpoch();
    this.keys = keys;
    this.provenance = provenance;
  }

  /** The settings of the shared key cache, the same for both directions. */
  static DekCache.Settings cacheSettings(EnvelopeConfig config) {
    return new DekCache.Settings(config.dekCacheMaxSize(),
        Duration.ofMillis(config.dekCacheExpireAfterAccessMs()),
        Duration.ofMillis(config.dekCacheExpireAfterWriteMs()),
        Duration.ofMillis(config.kmsFailureBackoffMs()), config.kmsTimeoutMs(),
        config.dekUnwrapMaxPerSecond());
  }

  /** Opens an inline frame whose header is version 4; {@code headerLength} is checked. */
  byte[] open(String topic, byte[] frame, int headerLength) {
    return open(topic, frame, headerLength, null, null);
  }

  /**
   * As above; field mode passes the field's {@code pattern} (its associated data follows the
   * header, see {@link DeterministicEncryptor#fieldAd}) and {@code kekId}, the KEK of the field
   * header listing it, which the frame must name too.
   */
  byte[] open(String topic, byte[] frame, int headerLength, String pattern, String kekIdListed) {
    int sealedAt = InlineFrame.HEADER_OFFSET + headerLength;
    Recent r = recent;
    DekCache.WrappedKey key;
    String kekId;
    if (r != null && r.header.length == headerLength && r.topic.equals(topic)
        && Arrays.equals(r.header, 0, headerLength, frame, InlineFrame.HEADER_OFFSET, sealedAt)) {
      key = r.key;
      kekId = r.kekId;
    } else {
      DeterministicHeader h = check(topic, frame, headerLength);
      kekId = h.kekId();
      key = SivKeys.reference(kekId, new DeterministicScope(h.scopeKind(), h.scope()),
          h.epoch());
      r = new Recent(h.encodedUnsafe(), topic, key, kekId, h.scopeKind());
    }
    if (kekIdListed != null && !kekIdListed.equals(kekId)) {
      throw error(Reason.TAMPERED, topic, kekId, "the field's deterministic envelope names "
          + "another KEK than the field header listing it");
    }
    DeterministicAead aead;
    try {
      aead = keys.aead(key);
    } catch (KmsException e) {
      EnvelopeException failure = EnvelopeException.decrypting(Reason.of(e.reason()), role,
          topic, e.kekId(), null, "could not derive the deterministic key: " + e.getMessage(), e);
      failure.afterKms = true;
      throw failure;
    }
    byte[] plaintext = null;
    if (frame.length - sealedAt >= WireFormat.SIV_LENGTH) {
      try {
        plaintext = aead.decryptDeterministically(
            Arrays.copyOfRange(frame, sealedAt, frame.length), pattern == null ? r.header
                : DeterministicEncryptor.associatedData(r.header,
                    DeterministicEncryptor.fieldAd(r.kind, pattern)));
      } catch (GeneralSecurityException e) {
        plaintext = null;
      }
    }
    if (plaintext == null) {
      EnvelopeException failure = EnvelopeException.decrypting(Reason.TAMPERED, role, topic,
          kekId, null, "authentication failed: the deterministic record or its envelope was "
              + "modified", null);
      failure.afterKms = true;
      throw failure;
    }
    recent = r;
    return plaintext;
  }

  private DeterministicHeader check(String topic, byte[] frame, int headerLength) {
    DeterministicHeader h;
    try {
      h = DeterministicHeader.parse(frame, InlineFrame.HEADER_OFFSET, headerLength);
    } catch (UnsupportedVersionException e) {
      throw error(Reason.UNSUPPORTED_VERSION, topic, null, e.getMessage());
    } catch (MalformedEnvelopeException e) {
      throw error(Reason.MALFORMED, topic, null, e.getMessage());
    }
    String kekId = h.kekId();
    if (h.role() != role) {
      throw error(Reason.TAMPERED, topic, kekId, "the envelope was made for the record "
          + h.role() + ", not the " + role);
    }
    String producedTo;
    if (h.scopeKind() == ScopeKind.TOPIC) {
      if (!provenance.test(h.scope(), topic)) {
        throw error(Reason.TOPIC_MISMATCH, topic, kekId, "the record was encrypted for topic '"
            + EnvelopeException.printable(h.scope()) + "'; copies into other topics are refused "
            + "(mirrored topics are allowed through " + EnvelopeConfig.MIRROR_SOURCE_ALIASES
            + ", topics sharing keys through " + EnvelopeConfig.DETERMINISTIC_SCOPE + ")");
      }
      producedTo = h.scope();
    } else {
      if (!scopeNames.contains(h.scope())) {
        throw error(Reason.TOPIC_MISMATCH, topic, kekId, "the record was encrypted in the "
            + "deterministic scope '" + EnvelopeException.printable(h.scope()) + "', which this "
            + "reader does not accept; set " + EnvelopeConfig.DETERMINISTIC_SCOPE
            + " (or " + EnvelopeConfig.FIELDS_SCOPE_PREFIX + "<tag or pattern> for a field) to "
            + "it if the topics are meant to share keys");
      }
      producedTo = topic;
    }
    if (h.epoch() > maxEpoch) {
      throw error(Reason.KEK_NOT_ALLOWED, topic, kekId, "the record's key epoch " + h.epoch()
          + " is newer than " + EnvelopeConfig.DETERMINISTIC_EPOCH + "=" + maxEpoch
          + " accepts; raise it on the consumer (consumers first, then producers)");
    }
    boolean allowed;
    try {
      allowed = kekPolicy.allows(producedTo, kekId);
    } catch (KekHeaderException e) {
      // a per-tenant template on the consumer: deterministic bytes carry no record header to read
      throw error(Reason.KEK_NOT_ALLOWED, topic, kekId, "deterministic records carry no record "
          + "header for " + EnvelopeConfig.KEK_ID_TEMPLATE + " to read; name the KEK in "
          + EnvelopeConfig.KEK_ALLOWED_IDS);
    }
    if (!allowed) {
      throw error(Reason.KEK_NOT_ALLOWED, topic, kekId, "this reader accepts records of this "
          + "topic only under " + EnvelopeException.printable(kekPolicy.describe(producedTo))
          + "; add the KEK to " + EnvelopeConfig.KEK_ALLOWED_IDS + " if it is legitimate");
    }
    return h;
  }

  private EnvelopeException error(Reason reason, String topic, String kekId, String detail) {
    return EnvelopeException.decrypting(reason, role, topic, kekId, null, detail, null);
  }
}
