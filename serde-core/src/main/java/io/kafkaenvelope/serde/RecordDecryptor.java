package io.kafkaenvelope.serde;

import io.kafkaenvelope.config.EnvelopeConfig;
import io.kafkaenvelope.config.EnvelopeConfig.PlaintextPolicy;
import io.kafkaenvelope.internal.compress.CompressedBody;
import io.kafkaenvelope.internal.compress.Codecs;
import io.kafkaenvelope.internal.compress.CorruptDataException;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.kafkaenvelope.internal.crypto.AesGcm;
import io.kafkaenvelope.internal.crypto.RecordKeys;
import io.kafkaenvelope.internal.crypto.TinkCheck;
import io.kafkaenvelope.internal.compress.DecompressionBudget;
import io.kafkaenvelope.internal.dek.DekCache;
import io.kafkaenvelope.internal.events.EnvelopeEvents;
import io.kafkaenvelope.internal.field.FieldSettings;
import io.kafkaenvelope.internal.kek.KekHeaderException;
import io.kafkaenvelope.internal.deterministic.SivKeys;
import io.kafkaenvelope.internal.wire.DeterministicHeader;
import io.kafkaenvelope.internal.kek.KekPolicy;
import io.kafkaenvelope.internal.kek.KekSelector;
import io.kafkaenvelope.internal.kms.KekCheck;
import io.kafkaenvelope.kms.KeyManagementService;
import io.kafkaenvelope.kms.KmsException;
import io.kafkaenvelope.serde.EnvelopeException.Reason;
import io.kafkaenvelope.internal.wire.EnvelopeHeader;
import io.kafkaenvelope.internal.wire.InlineFrame;
import io.kafkaenvelope.internal.wire.MalformedEnvelopeException;
import io.kafkaenvelope.internal.wire.Role;
import io.kafkaenvelope.internal.wire.SealedRecord;
import io.kafkaenvelope.internal.wire.UnsupportedVersionException;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.ArrayList;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.crypto.spec.SecretKeySpec;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The consumer side of the envelope: one per deserializer instance, thread-safe. */
final class RecordDecryptor implements KmsSupport.Worker {

  /** Mirror prefixes stripped at most this many times (multi-hop MirrorMaker 2 chains). */
  static final int MAX_MIRROR_HOPS = 8;

  private static final Logger log = LoggerFactory.getLogger(RecordDecryptor.class);

  private final Role role;
  private final KeyManagementService kms;
  private final DekCache cache;
  private final KekPolicy kekPolicy;
  private final PlaintextPolicy plaintextPolicy;
  private final List<String> mirrorAliases;
  private final String mirrorSeparator;
  private final int decompressedMaxBytes;
  private final DecompressionBudget decompressionBudget;
  /** Deterministic envelopes (format version 4), which share the key cache and KEK policy. */
  private final DeterministicDecryptor deterministic;

  /**
   * The last envelope header that decrypted a record, with its key: consecutive records of one DEK
   * and topic carry byte-identical headers, so they skip parsing and the cache lookup.
   */
  private volatile Recent recent;
  private final EnvelopeEvents events;
  /** Records whose fields were encrypted one by one ({@code envelope.mode=field}). */
  private final FieldDecryptor fields;
  /** The KEKs named exactly by the settings, with the setting each came from (for checks). */
  private final Map<String, String> exactKeks;
  private final KeyManagementService.KekUse kekUse;
  private final long kmsTimeoutMs;

  /**
   * Record keys of format version 6 headers by the header's bytes (which name the wrapped DEK and
   * so the DEK), so that records of several topics or DEKs interleaved in a poll derive each key
   * once, not once per record. Looked up only after the DEK cache answered for the record, so its
   * expiry and the KMS's refusals still govern every record that misses {@link #recent}.
   */
  private final Cache<HeaderBytes, SecretKeySpec> recordKeys;

  /**
   * @param key the key that opens the records: the DEK (versions 1 to 3) or the version 6 record
   *     key
   * @param headerIsAad whether the header is the associated data (versions 1 to 3)
   */
  private record Recent(byte[] header, String topic, SecretKeySpec key, boolean headerIsAad,
      int clearPrefixLength, int codec, String kekId, String dekId) {}

  /** A header's bytes as a map key, by content. */
  private record HeaderBytes(byte[] bytes, int hash) {
    HeaderBytes(byte[] bytes) {
      this(bytes, Arrays.hashCode(bytes));
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof HeaderBytes h && h.hash == hash && Arrays.equals(h.bytes, bytes);
    }

    @Override
    public int hashCode() {
      return hash;
    }
  }

  /**
   * @param maxPollRecords the consumer's {@code max.poll.records}: the decompression budget
   *     covers that many compressed records
   */
  RecordDecryptor(EnvelopeConfig config, Role role, KeyManagementService kms, String kmsScope,
      int maxPollRecords) {
    this(config, role, kms, kmsScope, maxPollRecords,
        EnvelopeEvents.detached(EnvelopeEvents.Side.DESERIALIZER, role));
  }

  RecordDecryptor(EnvelopeConfig config, Role role, KeyManagementService kms, String kmsScope,
      int maxPollRecords, EnvelopeEvents events) {
    this.role = role;
    this.events = events;
    this.kms = kms;
    FieldSettings fieldSettings = FieldSettings.of(config);
    this.kekPolicy = kekPolicy(config, kms, role, fieldSettings);
    this.exactKeks = exactKeks(config);
    this.kekUse = config.deterministic() ? KeyManagementService.KekUse.DERIVE
        : KeyManagementService.KekUse.DECRYPT;
    this.kmsTimeoutMs = config.kmsTimeoutMs();
    this.plaintextPolicy = config.plaintextPolicy();
    this.mirrorAliases = config.mirrorSourceAliases();
    this.mirrorSeparator = config.mirrorSeparator();
    this.decompressedMaxBytes = config.decompressedMaxBytes();
    this.decompressionBudget = new DecompressionBudget(config.decompressedBudgetBytes(),
        maxPollRecords);
    DekCache.Settings cacheSettings = DeterministicDecryptor.cacheSettings(config);
    this.cache = DekCache.acquire(kmsScope, cacheSettings);
    this.recordKeys = Caffeine.newBuilder().maximumSize(cacheSettings.maxSize())
        .expireAfterAccess(cacheSettings.expireAfterAccess()).build();
    if (config.deterministic() && !TinkCheck.present()) {
      throw new ConfigException(EnvelopeConfig.MODE, "deterministic", TinkCheck.missing(
          EnvelopeConfig.MODE + "=deterministic (AES-SIV)"));
    }
    // Without Tink, deterministic records and fields are refused one by one, and no class that
    // names a Tink type is ever loaded: record mode and random fields work without the jar.
    boolean tink = TinkCheck.present();
    this.deterministic = tink ? new DeterministicDecryptor(config, role, kekPolicy,
        new SivKeys(cache, kms, events), this::provenanceAllows) : null;
    this.fields = new FieldDecryptor(this, fieldSettings, tink ? new DeterministicDecryptor(config,
        role, kekPolicy, new SivKeys(cache, kms, events), this::provenanceAllows,
        fieldSettings.scopeNames()) : null);
    events.cacheSize(cache::size);
  }

  /** Field mode's reader. */
  FieldDecryptor fields() {
    return fields;
  }

  Role role() {
    return role;
  }

  EnvelopeEvents events() {
    return events;
  }

  /**
   * The record's unwrapped data key ({@code kekId}, {@code wrapped}) from the shared cache; a KMS
   * failure as the record-mode {@link EnvelopeException} (marked as after the KMS).
   */
  SecretKeySpec dataKey(String topic, String kekId, byte[] wrapped, String dekId) {
    try {
      return cache.get(kekId, wrapped, kms, events, topic, dekId);
    } catch (KmsException e) {
      EnvelopeException failure = EnvelopeException.decrypting(Reason.of(e.reason()), role,
          topic, kekId, dekId, "could not unwrap the data key: " + e.getMessage(), e);
      failure.afterKms = true;
      throw failure;
    }
  }

  /**
   * The reader's KEK policy: the KEK the producer settings name, the allow-list, or discovery.
   * A reader with none of them would accept a record under any KEK the KMS unwraps for it, which
   * anyone who may write to the topic and holds some such KEK could forge, so it is refused.
   */
  private static KekPolicy kekPolicy(EnvelopeConfig config, KeyManagementService kms, Role role,
      FieldSettings fieldSettings) {
    List<String> expected = new ArrayList<>(2);
    for (String id : new String[] {config.kekId(), config.kekIdTemplate()}) {
      if (id != null) {
        expected.add(id);
      }
    }
    // envelope.fields.kek.* mean the same on both sides, as envelope.kek.id does
    expected.addAll(fieldSettings.fieldKekIds());
    KekPolicy policy = KekPolicy.of(expected, config.allowedKekIds(), config.kekDiscovery(), kms);
    if (policy.isEmpty()) {
      throw new ConfigException("The deserializer accepts records only under the KEKs it "
          + "expects: set " + EnvelopeConfig.KEK_ID + " (or " + EnvelopeConfig.KEK_ID_TEMPLATE
          + ") as on the producer, list others in " + EnvelopeConfig.KEK_ALLOWED_IDS + ", or set "
          + EnvelopeConfig.KEK_DISCOVERY + "=true to accept any KEK the KMS will unwrap");
    }
    if (policy.discovery()) {
      log.warn("{}=true: the {} deserializer accepts records under any KEK {} will unwrap; anyone "
          + "who may write to its topics and holds such a KEK can forge records. List the "
          + "expected KEKs instead ({}, {}) unless you need this.", EnvelopeConfig.KEK_DISCOVERY,
          role, kms.describe(), EnvelopeConfig.KEK_ID, EnvelopeConfig.KEK_ALLOWED_IDS);
    }
    return policy;
  }

  /** {@code envelope.kek.id} and the exact ids of {@code envelope.kek.allowed.ids}, in order. */
  private static Map<String, String> exactKeks(EnvelopeConfig config) {
    Map<String, String> keks = new LinkedHashMap<>();
    if (config.kekId() != null && !KekSelector.isTemplate(config.kekId())) {
      keks.put(config.kekId(), EnvelopeConfig.KEK_ID);
    }
    for (String id : config.allowedKekIds()) {
      if (!KekSelector.isTemplate(id)) {
        keks.putIfAbsent(id, EnvelopeConfig.KEK_ALLOWED_IDS);
      }
    }
    return keks;
  }

  /**
   * Checks that this reader can use {@code kekId}: for the KEK use its mode names ({@code
   * DECRYPT}, or {@code DERIVE} with {@code envelope.mode=deterministic}). A reader in the default
   * mode also reads deterministic records (it tells the modes apart per record), so a KEK the KMS
   * calls the wrong kind for unwrapping (a MAC key: {@code MISCONFIGURED}) passes when it can
   * derive: one topic's deterministic keys and random values, read by one consumer whose {@code
   * envelope.kek.allowed.ids} names both KEKs. Any other answer is the first check's.
   */
  private boolean checkReadable(String kekId) {
    try {
      return KekCheck.check(kms, kekId, kekUse, kmsTimeoutMs, events);
    } catch (KmsException e) {
      if (e.reason() != KmsException.Reason.MISCONFIGURED
          || kekUse != KeyManagementService.KekUse.DECRYPT) {
        throw e;
      }
      try {
        return KekCheck.check(kms, kekId, KeyManagementService.KekUse.DERIVE, kmsTimeoutMs,
            events);
      } catch (KmsException notForDeriving) {
        throw e;
      }
    }
  }

  /**
   * {@code envelope.kms.check.on.configure}: the metadata of every KEK the settings name exactly
   * (exists, enabled, a key for decrypting, or for MACs in deterministic mode), one KMS call
   * each. Templates and discovery name no KEK before a record does. A missing KEK is let pass
   * under {@code envelope.plaintext.policy=allow} (a topic migrating to encryption), as the
   * producer's opt-in plaintext policy lets it pass there.
   */
  @Override
  public void checkOnConfigure() {
    for (Map.Entry<String, String> kek : exactKeks.entrySet()) {
      try {
        checkReadable(kek.getKey());
      } catch (KmsException e) {
        if (e.reason() == KmsException.Reason.KEY_NOT_FOUND
            && plaintextPolicy == PlaintextPolicy.ALLOW) {
          // a topic migrating to encryption: its KEK may not exist before its first producer
          log.warn("KEK '{}' ({}) does not exist yet; starting anyway as {}=allow reads a "
              + "topic migrating to encryption", kek.getKey(), kek.getValue(),
              EnvelopeConfig.PLAINTEXT_POLICY);
          continue;
        }
        throw KmsSupport.checkFailed(kek.getValue(), kek.getKey(), e);
      }
    }
  }

  /** {@code health()}: the same questions as {@link #checkOnConfigure}. */
  @Override
  public KeyManagementService.Health probe() {
    if (exactKeks.isEmpty()) {
      return new KeyManagementService.Health(true, "no KEK named exactly to check (templates or "
          + EnvelopeConfig.KEK_DISCOVERY + ")", Instant.now());
    }
    List<String> unchecked = new ArrayList<>();
    for (String kekId : exactKeks.keySet()) {
      try {
        if (!checkReadable(kekId)) {
          unchecked.add(kekId);
        }
      } catch (KmsException e) {
        return new KeyManagementService.Health(false, e.getMessage(), Instant.now());
      }
    }
    return new KeyManagementService.Health(true, "KEK(s) " + exactKeks.keySet() + " usable for "
        + kekUse + " (" + kms.describe() + ")" + (unchecked.isEmpty() ? "" : "; " + unchecked
            + " not checked: the KMS has no metadata call"), Instant.now());
  }

  /** Gives the shared data-key cache back; the last deserializer to close empties it. */
  @Override
  public void close() {
    recordKeys.invalidateAll();
    cache.release();
  }

  /**
   * Returns the record's plaintext, or {@code data} itself for a record without an envelope when
   * the plaintext policy allows it.
   */
  byte[] decrypt(String topic, Headers headers, byte[] data) {
    return decrypt(topic, headers, envelopeHeader(headers), data);
  }

  /** The record's envelope header if it has one with a value, else {@code null}. */
  Header envelopeHeader(Headers headers) {
    Header h = headers == null ? null : headers.lastHeader(role.headerName());
    return h != null && h.value() != null ? h : null;
  }

  /**
   * As {@link #decrypt(String, Headers, byte[])} with the record's {@link #envelopeHeader}
   * already looked up (the deserializer needs it to tell record mode from field mode; looking it
   * up once saves a scan of the headers per record).
   */
  byte[] decrypt(String topic, Headers headers, Header h, byte[] data) {
    byte[] plaintext;
    try {
      boolean inline = InlineFrame.isInline(data);
      if (h != null && !inline) {
        // The common case first: header mode under the last record's header and key, counted
        // as one processed cache hit (one counter update fewer than the two events).
        byte[] header = h.value();
        plaintext = openRecent(topic, header, 0, header.length, data, 0, false);
        if (plaintext != null) {
          events.processedFromCache(plaintext.length);
          return plaintext;
        }
        plaintext = open(topic, headers, header, 0, header.length, data, 0, false, false);
      } else {
        plaintext = decryptUncounted(topic, headers, h, inline, data);
      }
    } catch (EnvelopeException e) {
      events.failed(e);
      throw e;
    }
    if (plaintext != data) { // passed on unencrypted by policy: counted where decided
      events.processed(plaintext.length);
    }
    return plaintext;
  }

  private byte[] decryptUncounted(String topic, Headers headers, Header h, boolean inline,
      byte[] data) {
    boolean hasHeader = h != null;
    if (inline) {
      // A value framed inline carries its own envelope, so it goes first: Kafka Streams 4.3+ hands
      // state-store deserializers the current record's headers, whose envelope header belongs to
      // another ciphertext. Only a header-mode ciphertext that happens to begin with the magic
      // (chance 2^-32) fails here and is then opened with its header.
      try {
        return openInline(topic, headers, data);
      } catch (EnvelopeException inlineFailure) {
        if (!hasHeader) {
          throw inlineFailure;
        }
        if (inlineFailure.afterKms) {
          // The inline envelope was well-formed and accepted far enough to reach the KMS: this
          // is no header-mode value that merely begins with the magic. Not trying the header
          // too keeps a forged record at one unwrap, not two.
          throw inlineFailure;
        }
        try {
          return open(topic, headers, h.value(), 0, h.value().length, data, 0, false, true);
        } catch (EnvelopeException headerFailure) {
          inlineFailure.addSuppressed(headerFailure);
          throw inlineFailure;
        }
      }
    }
    if (hasHeader) {
      byte[] header = h.value();
      return open(topic, headers, header, 0, header.length, data, 0, false, true);
    }
    if (plaintextPolicy == PlaintextPolicy.ALLOW) {
      events.plaintext(topic, null);
      return data;
    }
    throw error(Reason.PLAINTEXT_REJECTED, topic, null, null, "the record has no '"
        + role.headerName() + "' header and no inline envelope; set "
        + EnvelopeConfig.PLAINTEXT_POLICY + "=allow only while migrating a plaintext topic");
  }

  private byte[] openInline(String topic, Headers headers, byte[] data) {
    int len;
    try {
      len = InlineFrame.headerLength(data);
    } catch (MalformedEnvelopeException e) {
      throw error(Reason.MALFORMED, topic, null, null, e.getMessage());
    }
    if (len > 0 && DeterministicHeader.isDeterministic(data)) {
      if (deterministic == null) {
        throw error(Reason.MISCONFIGURED, topic, null, null, TinkCheck.missing(
            "a deterministic envelope (format version 4)"));
      }
      return deterministic.open(topic, data, len);
    }
    return open(topic, headers, data, InlineFrame.HEADER_OFFSET, len, data,
        InlineFrame.HEADER_OFFSET + len, true, true);
  }

  /**
   * Opens a sealed record part under the last record's header and key if {@code hdr} is
   * byte-identical to that header and the record is for the same topic; {@code null} if not, or
   * if authentication fails (the full path then names the DEK in the error).
   */
  private byte[] openRecent(String topic, byte[] hdr, int hdrOffset, int hdrLength,
      byte[] data, int nonceOffset, boolean inline) {
    Recent r = recent;
    if (r != null && r.header.length == hdrLength && r.topic.equals(topic)
        && !(inline && r.clearPrefixLength > 0)
        && Arrays.equals(r.header, 0, hdrLength, hdr, hdrOffset, hdrOffset + hdrLength)
        // a per-tenant policy depends on each record's own header, not only on the envelope
        && !kekPolicy.usesHeaders()) {
      byte[] plaintext = decryptOrNull(r.key, r.headerIsAad ? hdr : null, hdrOffset, hdrLength,
          data, r.clearPrefixLength,
              inline ? nonceOffset : SealedRecord.nonceOffset(r.clearPrefixLength));
      if (plaintext != null) {
        return r.codec == 0 ? plaintext
            : decompress(topic, r.kekId, r.dekId, r.codec, plaintext, r.clearPrefixLength);
      }
    }
    return null;
  }

  /**
   * Opens a sealed record part. In header mode ({@code inline == false}) a version 2 header's
   * clear prefix sits at the front of {@code data}, in front of the nonce. {@code tryRecent}:
   * first try the last record's header and key (false when the caller just did).
   */
  private byte[] open(String topic, Headers headers, byte[] hdr, int hdrOffset, int hdrLength,
      byte[] data, int nonceOffset, boolean inline, boolean tryRecent) {
    if (tryRecent) {
      byte[] plaintext = openRecent(topic, hdr, hdrOffset, hdrLength, data, nonceOffset, inline);
      if (plaintext != null) {
        events.cacheHit();
        return plaintext;
      }
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
      throw topicMismatch(topic, envelope.topic(), kekId, dekId);
    }
    if (!allowsKek(topic, envelope.topic(), headers, kekId, dekId)) {
      throw kekNotAllowed(topic, envelope.topic(), kekId, dekId);
    }
    SecretKeySpec key = dataKey(topic, kekId, envelope.wrappedDek(), dekId);
    boolean headerIsAad = !envelope.bindsThroughKey();
    if (!headerIsAad) { // version 6: the record key binds the header
      SecretKeySpec dek = key;
      key = recordKeys.get(new HeaderBytes(envelope.encodedUnsafe()),
          h -> RecordKeys.derive(dek, h.bytes()));
    }
    byte[] plaintext = decryptOrNull(key, headerIsAad ? hdr : null, hdrOffset, hdrLength, data,
        clearPrefixLength, inline ? nonceOffset : SealedRecord.nonceOffset(clearPrefixLength));
    if (plaintext == null) {
      EnvelopeException failure = error(Reason.TAMPERED, topic, kekId, dekId,
          "authentication failed: the record or its envelope was modified");
      failure.afterKms = true;
      throw failure;
    }
    int codec = envelope.codec();
    recent = new Recent(envelope.encodedUnsafe(), topic, key, headerIsAad, clearPrefixLength,
        codec, kekId, dekId);
    return codec == 0 ? plaintext
        : decompress(topic, kekId, dekId, codec, plaintext, clearPrefixLength);
  }

  /** The refusal of a record encrypted for another topic than {@code topic}. */
  EnvelopeException topicMismatch(String topic, String producedTo, String kekId, String dekId) {
    return error(Reason.TOPIC_MISMATCH, topic, kekId, dekId, "the record was encrypted for topic '"
        + EnvelopeException.printable(producedTo) + "'; copies into other topics are "
        + "refused (mirrored topics are allowed through " + EnvelopeConfig.MIRROR_SOURCE_ALIASES
        + ")");
  }

  /** The refusal of a KEK the policy does not accept for records produced to {@code producedTo}. */
  EnvelopeException kekNotAllowed(String topic, String producedTo, String kekId, String dekId) {
    return error(Reason.KEK_NOT_ALLOWED, topic, kekId, dekId, "this reader accepts records of "
        + "this topic only under " + EnvelopeException.printable(kekPolicy.describe(producedTo))
        + "; add the KEK to " + EnvelopeConfig.KEK_ALLOWED_IDS + " if it is legitimate");
  }

  /**
   * The KEK policy's answer; a per-tenant template whose header is missing or invalid fails closed
   * with {@link Reason#KEK_HEADER_INVALID}.
   */
  boolean allowsKek(String topic, String producedTo, Headers headers, String kekId,
      String dekId) {
    try {
      return kekPolicy.allows(producedTo, headers, kekId);
    } catch (KekHeaderException e) {
      throw error(Reason.KEK_HEADER_INVALID, topic, kekId, dekId, e.getMessage() + "; "
          + EnvelopeConfig.KEK_ID_TEMPLATE + " or " + EnvelopeConfig.KEK_ALLOWED_IDS
          + " reads it to choose the KEK");
    }
  }

  /**
   * Turns an authenticated version 3 body, {@code clear prefix | u32 length | compressed}, into
   * {@code clear prefix | uncompressed}. The stated length is checked against the limit before
   * anything is allocated for it, so a small record cannot make the consumer allocate gigabytes.
   */
  private byte[] decompress(String topic, String kekId, String dekId, int codecId, byte[] body,
      int clearPrefixLength) {
    String name = Codecs.nameOf(codecId);
    try {
      long stated = CompressedBody.statedLength(body, clearPrefixLength);
      if (stated > decompressedMaxBytes || clearPrefixLength + stated > Integer.MAX_VALUE - 8) {
        throw error(Reason.MALFORMED, topic, kekId, dekId, name + "-compressed record states "
            + stated + " uncompressed bytes, more than " + EnvelopeConfig.DECOMPRESSED_MAX_BYTES
            + "=" + decompressedMaxBytes + " allows");
      }
      if (!decompressionBudget.take(stated)) {
        throw error(Reason.DECOMPRESSION_LIMIT, topic, kekId, dekId, "the compressed records of "
            + "this poll would decompress to more than "
            + EnvelopeConfig.DECOMPRESSED_BUDGET_BYTES + "=" + decompressionBudget.budget()
            + " bytes together; this record states " + stated);
      }
      return CompressedBody.decompress(Codecs.forId(codecId), body, clearPrefixLength,
          (int) stated);
    } catch (Codecs.CodecUnavailableException e) {
      throw EnvelopeException.decrypting(Reason.MISCONFIGURED, role, topic, kekId, dekId,
          e.getMessage(), null);
    } catch (CorruptDataException e) {
      String m = e.getMessage();
      throw error(Reason.MALFORMED, topic, kekId, dekId, m.startsWith(name) ? m : name + ": " + m);
    }
  }

  /**
   * Opens the sealed part, or returns {@code null} if authentication fails. A clear prefix
   * (header mode only) is authenticated and returned in front of the plaintext.
   */
  private static byte[] decryptOrNull(SecretKeySpec key, byte[] aad, int aadOffset, int aadLength,
      byte[] data, int clearPrefixLength, int nonceOffset) {
    try {
      return AesGcm.open(key, aad, aadOffset, aadLength, data, clearPrefixLength, nonceOffset);
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

  EnvelopeException error(Reason reason, String topic, String kekId, String dekId,
      String detail) {
    return EnvelopeException.decrypting(reason, role, topic, kekId, dekId, detail, null);
  }
}
