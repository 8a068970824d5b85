package io.kafkaenvelope.serde;

import com.google.crypto.tink.DeterministicAead;
import io.kafkaenvelope.config.EnvelopeConfig;
import io.kafkaenvelope.internal.deterministic.DeterministicScope;
import io.kafkaenvelope.internal.deterministic.SivKeys;
import io.kafkaenvelope.internal.events.EnvelopeEvents;
import io.kafkaenvelope.internal.dek.DekCache;
import io.kafkaenvelope.internal.kek.KekSelector;
import io.kafkaenvelope.internal.wire.DeterministicHeader;
import io.kafkaenvelope.internal.wire.DeterministicHeader.ScopeKind;
import io.kafkaenvelope.internal.wire.InlineFrame;
import io.kafkaenvelope.internal.wire.Role;
import io.kafkaenvelope.kms.KeyManagementService;
import io.kafkaenvelope.kms.KmsException;
import io.kafkaenvelope.serde.EnvelopeException.Reason;
import java.security.GeneralSecurityException;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The producer side of {@code envelope.mode=deterministic}: AES-SIV under the key derived from the
 * KMS for the topic's (KEK, scope, epoch), framed inline with a format version 4 header, so equal
 * plaintexts in one scope give equal bytes everywhere. No random input, no record header: the
 * bytes alone are the record key Kafka compacts, partitions and stores. Thread-safe.
 */
final class DeterministicEncryptor {

  private final Role role;
  private final KekSelector kekSelector;
  private final String scopeName;
  private final long epoch;
  private final DekCache cache;
  private final SivKeys keys;
  private final ConcurrentHashMap<String, Sealer> byTopic = new ConcurrentHashMap<>();
  /** Field mode: per (KEK, scope); the topic is in a topic scope already. */
  private final ConcurrentHashMap<FieldKey, Sealer> byField = new ConcurrentHashMap<>();

  private record FieldKey(String kekId, DeterministicScope scope) {}

  /** What a topic's records are sealed with: header (also associated data) and key reference. */
  private record Sealer(DeterministicHeader header, DekCache.WrappedKey key) {}

  DeterministicEncryptor(EnvelopeConfig config, Role role, KeyManagementService kms,
      String kmsScope, KekSelector kekSelector, EnvelopeEvents events) {
    this.role = role;
    this.kekSelector = kekSelector;
    this.scopeName = config.deterministicScope();
    this.epoch = config.deterministicEpoch();
    this.cache = DekCache.acquire(kmsScope, DeterministicDecryptor.cacheSettings(config));
    this.keys = new SivKeys(cache, kms, events);
  }

  /** Checks the settings deterministic mode cannot be combined with. */
  static void checkSettings(EnvelopeConfig config) {
    String why = null;
    if (config.clearPrefix() != EnvelopeConfig.ClearPrefix.NONE) {
      why = EnvelopeConfig.CLEAR_PREFIX + " (the whole value is sealed deterministically)";
    } else if (config.compressionCodecId() != 0) {
      why = EnvelopeConfig.COMPRESSION_TYPE + " (compressed lengths would leak more, and keys "
          + "are short)";
    } else if (config.kekIdTemplate() != null
        && KekSelector.readsHeaders(config.kekIdTemplate())) {
      why = EnvelopeConfig.KEK_ID_TEMPLATE + " reading a record header (the key bytes must name "
          + "their KEK by themselves: compaction and Streams stores see no record headers)";
    } else if (config.deterministicScope() != null && config.kekId() == null) {
      why = EnvelopeConfig.KEK_ID_TEMPLATE + " with a named " + EnvelopeConfig.DETERMINISTIC_SCOPE
          + " (topics sharing a scope must share one KEK: set " + EnvelopeConfig.KEK_ID + ")";
    }
    if (why != null) {
      throw new org.apache.kafka.common.config.ConfigException(EnvelopeConfig.MODE
          + "=deterministic cannot be combined with " + why);
    }
  }

  byte[] encrypt(String topic, byte[] plaintext) {
    Sealer s = byTopic.get(topic);
    if (s == null) {
      s = byTopic.computeIfAbsent(topic,
          t -> sealer(t, kekSelector.kekFor(t), DeterministicScope.of(scopeName, t)));
    }
    return seal(s, topic, plaintext, null);
  }

  /**
   * Field mode: seals one field's encoding deterministically under {@code kekId} in {@code
   * scope}, as an inline frame of a version 4 header; the associated data is that header followed
   * by {@code fieldAd} (which separates fields from whole records and names the field's default
   * scope).
   */
  byte[] encryptField(String topic, String kekId, DeterministicScope scope, byte[] fieldAd,
      byte[] encoding) {
    FieldKey k = new FieldKey(kekId, scope);
    Sealer s = byField.get(k);
    if (s == null) {
      s = byField.computeIfAbsent(k, x -> sealer(topic, kekId, scope));
    }
    return seal(s, topic, encoding, fieldAd);
  }

  /**
   * What follows the version 4 header in a field's associated data: the byte 0x05 (field mode;
   * a whole record's associated data is the header alone), then for a topic scope the field's
   * pattern (UTF-8), so equal values of different fields of a topic differ; nothing for a named
   * scope, whose fields are meant to match one another.
   */
  static byte[] fieldAd(ScopeKind kind, String pattern) {
    if (kind == ScopeKind.NAMED) {
      return new byte[] {io.kafkaenvelope.internal.wire.WireFormat.VERSION_5};
    }
    byte[] p = pattern.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    byte[] ad = new byte[1 + p.length];
    ad[0] = io.kafkaenvelope.internal.wire.WireFormat.VERSION_5;
    System.arraycopy(p, 0, ad, 1, p.length);
    return ad;
  }

  /** The associated data: the header, then {@code extraAd} if any. */
  static byte[] associatedData(byte[] header, byte[] extraAd) {
    if (extraAd == null) {
      return header;
    }
    byte[] ad = java.util.Arrays.copyOf(header, header.length + extraAd.length);
    System.arraycopy(extraAd, 0, ad, header.length, extraAd.length);
    return ad;
  }

  private byte[] seal(Sealer s, String topic, byte[] plaintext, byte[] extraAd) {
    DeterministicAead aead;
    try {
      aead = keys.aead(s.key());
    } catch (KmsException e) {
      throw EnvelopeException.encrypting(Reason.of(e.reason()), role, topic,
          s.header().kekId(), null, "could not derive the deterministic key: " + e.getMessage(),
          e);
    }
    try {
      return s.header().frame(aead.encryptDeterministically(plaintext,
          associatedData(s.header().encodedUnsafe(), extraAd)));
    } catch (GeneralSecurityException e) {
      throw EnvelopeException.encrypting(Reason.MISCONFIGURED, role, topic, s.header().kekId(),
          null, "cipher failed: " + e.getClass().getName(), null);
    }
  }

  /**
   * Derives the key of the configured named scope under {@code kekId} now (the check at
   * {@code configure()}); cached, so the first record does not ask the KMS again.
   *
   * @throws KmsException as the derivation
   */
  void deriveFor(String kekId) {
    keys.aead(SivKeys.reference(kekId, DeterministicScope.of(scopeName, null), epoch));
  }

  private Sealer sealer(String topic, String kekId, DeterministicScope scope) {
    DeterministicHeader header = DeterministicHeader.create(role, scope.kind(), epoch,
        scope.name(), kekId);
    if (header.encodedUnsafe().length > InlineFrame.MAX_HEADER_LENGTH) {
      throw EnvelopeException.encrypting(Reason.MISCONFIGURED, role, topic, kekId, null,
          "the deterministic envelope header is longer than an inline frame holds: the KEK id "
              + "or scope name is too long; nothing was sent", null);
    }
    return new Sealer(header, SivKeys.reference(kekId, scope, epoch));
  }

  void close() {
    cache.release();
  }

  @Override
  public String toString() {
    return "DeterministicEncryptor{role=" + role + ", scope="
        + (scopeName == null ? "<topic>" : scopeName) + ", epoch=" + epoch + "}";
  }
}
