package io.kafkaenvelope.serde;

import com.github.benmanes.caffeine.cache.Ticker;
import io.kafkaenvelope.config.EnvelopeConfig;
import io.kafkaenvelope.config.EnvelopeConfig.ClearPrefix;
import io.kafkaenvelope.config.EnvelopeConfig.UnresolvedKekPolicy;
import io.kafkaenvelope.internal.compress.Codec;
import io.kafkaenvelope.internal.compress.Codecs;
import io.kafkaenvelope.internal.compress.CompressedBody;
import io.kafkaenvelope.internal.crypto.AesGcm;
import io.kafkaenvelope.internal.crypto.TinkCheck;
import io.kafkaenvelope.internal.dek.DekRotator;
import io.kafkaenvelope.internal.dek.RotationLimits;
import io.kafkaenvelope.internal.dek.Sealing;
import io.kafkaenvelope.internal.events.EnvelopeEvents;
import io.kafkaenvelope.internal.field.FieldSettings;
import io.kafkaenvelope.internal.kek.KekHeaderException;
import io.kafkaenvelope.internal.kek.KekSelector;
import io.kafkaenvelope.internal.kms.KekCheck;
import io.kafkaenvelope.kms.KeyManagementService;
import io.kafkaenvelope.kms.KmsException;
import io.kafkaenvelope.serde.EnvelopeException.Reason;
import io.kafkaenvelope.internal.wire.InlineFrame;
import io.kafkaenvelope.internal.wire.Role;
import io.kafkaenvelope.internal.wire.SealedRecord;
import io.kafkaenvelope.internal.wire.WireFormat;
import java.security.GeneralSecurityException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The producer side of the envelope: one per serializer instance, thread-safe. */
final class RecordEncryptor implements KmsSupport.Worker {

  private static final Logger log = LoggerFactory.getLogger(RecordEncryptor.class);
  private static final AtomicInteger THREADS = new AtomicInteger();
  private static final ThreadLocal<byte[]> NONCE_SCRATCH =
      ThreadLocal.withInitial(() -> new byte[WireFormat.NONCE_LENGTH]);

  private final Role role;
  private final KeyManagementService kms;
  private final KekSelector kekSelector;
  private final UnresolvedKekPolicy unresolvedPolicy;
  private final ClearPrefix clearPrefix;
  /** {@code envelope.compression.type}, or {@code null} for none. */
  private final Codec codec;
  private final RotationLimits limits;
  /** {@code envelope.format.version=6}: per-header record keys instead of the header as AAD. */
  private final boolean bindThroughKey;
  private final Ticker ticker;
  private final long kmsTimeoutMs;
  private final long failureBackoffMs;
  private final ScheduledExecutorService executor;
  private final ConcurrentHashMap<String, TopicRotator> rotatorByTopic =
      new ConcurrentHashMap<>();
  /**
   * The last entry of {@link #rotatorByTopic} used (a racy cache of an immutable entry; entries
   * are never replaced): a producer sending to one topic finds its rotator by one comparison.
   */
  private TopicRotator lastTopic;
  private final ConcurrentHashMap<String, DekRotator> rotatorByKek = new ConcurrentHashMap<>();
  private final Set<String> plaintextTopicsLogged = ConcurrentHashMap.newKeySet();
  /** {@code envelope.mode=deterministic}: every record goes through it; otherwise {@code null}. */
  private final DeterministicEncryptor deterministic;
  private final EnvelopeEvents events;
  /** {@code envelope.mode=field}: seals chosen fields on this encryptor's keys; else null. */
  private final FieldEncryptor fields;
  /** {@code envelope.kek.id}, or {@code null} under a template. */
  private final String fixedKekId;
  private final boolean namedScope;

  /** A topic's rotator under a fixed KEK or a template that reads no record header. */
  private record TopicRotator(String topic, DekRotator rotator) {}

  RecordEncryptor(EnvelopeConfig config, Role role, KeyManagementService kms, Ticker ticker,
      String kmsScope) {
    this(config, role, kms, ticker, kmsScope,
        EnvelopeEvents.detached(EnvelopeEvents.Side.SERIALIZER, role));
  }

  RecordEncryptor(EnvelopeConfig config, Role role, KeyManagementService kms, Ticker ticker,
      String kmsScope, EnvelopeEvents events) {
    this.role = role;
    this.events = events;
    this.kms = kms;
    this.fixedKekId = config.kekId();
    this.namedScope = config.deterministicScope() != null;
    this.kekSelector = config.kekId() != null ? KekSelector.fixed(config.kekId())
        : KekSelector.template(config.kekIdTemplate());
    if (config.deterministic()) {
      if (!TinkCheck.present()) {
        throw new ConfigException(EnvelopeConfig.MODE, "deterministic", TinkCheck.missing(
            EnvelopeConfig.MODE + "=deterministic (AES-SIV)"));
      }
      DeterministicEncryptor.checkSettings(config);
    }
    this.unresolvedPolicy = config.unresolvedKekPolicy();
    this.clearPrefix = config.clearPrefix();
    this.codec = codec(config);
    this.limits = new RotationLimits(TimeUnit.MILLISECONDS.toNanos(config.dekMaxAgeMs()),
        config.dekMaxRecords(), config.dekMaxBytes());
    this.bindThroughKey = config.bindsHeaderThroughKey();
    this.ticker = ticker;
    this.kmsTimeoutMs = config.kmsTimeoutMs();
    this.failureBackoffMs = config.kmsFailureBackoffMs();
    this.deterministic = config.deterministic()
        ? new DeterministicEncryptor(config, role, kms, kmsScope, kekSelector, events) : null;
    events.activeDekAge(this::oldestDekAgeMs);
    ScheduledThreadPoolExecutor dekThread = new ScheduledThreadPoolExecutor(1, r -> {
      Thread t = new Thread(r, "kafka-envelope-dek-" + role + "-" + THREADS.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    // a key retired before its age drops its age timer (DeadlineTimer) from the queue at once
    dekThread.setRemoveOnCancelPolicy(true);
    this.executor = dekThread;
    this.fields = config.fieldMode()
        ? new FieldEncryptor(this, config, kms, kmsScope, kekSelector, events) : null;
  }

  /** Field mode's sealer factory, or {@code null} when not in field mode. */
  FieldEncryptor fields() {
    return fields;
  }

  private static Codec codec(EnvelopeConfig config) {
    int id = config.compressionCodecId();
    if (id == 0) {
      return null;
    }
    try {
      return Codecs.forId(id);
    } catch (Codecs.CodecUnavailableException e) {
      throw new ConfigException(EnvelopeConfig.COMPRESSION_TYPE,
          config.getString(EnvelopeConfig.COMPRESSION_TYPE), e.getMessage());
    }
  }

  Role role() {
    return role;
  }

  /**
   * {@code envelope.kms.check.on.configure}. Record mode with a fixed KEK: the first data key is
   * made now and kept for the first records. Deterministic mode with a fixed KEK: the key of a
   * named scope is derived now (cached, as the first record would); a per-topic scope's key
   * depends on the topic, so the KEK's metadata is checked instead. A template names no KEK
   * before a topic is known: nothing to ask the KMS. Field mode: each KEK of {@code
   * envelope.fields.kek.*} too, its first data key made now (or, for deterministic fields, its
   * metadata checked), so a wrong field KEK stops the producer here and not at its first record.
   */
  @Override
  public void checkOnConfigure() {
    if (fixedKekId != null) {
      checkRecordKek();
    }
    if (fields == null) {
      return;
    }
    for (FieldSettings.FieldKek k : fields.settings().fieldKeks()) {
      try {
        if (k.deterministic()) {
          KekCheck.check(kms, k.kekId(), KeyManagementService.KekUse.DERIVE, kmsTimeoutMs,
              events);
        } else {
          rotator(k.kekId()).prime(); // a no-op for a KEK already primed
        }
      } catch (KmsException e) {
        throw KmsSupport.checkFailed(k.setting(), k.kekId(), e);
      }
    }
  }

  private void checkRecordKek() {
    try {
      if (deterministic == null) {
        rotator(fixedKekId).prime();
      } else if (namedScope) {
        deterministic.deriveFor(fixedKekId);
      } else {
        KekCheck.check(kms, fixedKekId, KeyManagementService.KekUse.DERIVE, kmsTimeoutMs, events);
      }
    } catch (KmsException e) {
      if (e.reason() == KmsException.Reason.KEY_NOT_FOUND && deterministic == null
          && unresolvedPolicy == UnresolvedKekPolicy.PLAINTEXT) {
        return; // opted in: the first record logs that the topic goes out unencrypted
      }
      throw KmsSupport.checkFailed(EnvelopeConfig.KEK_ID, fixedKekId, e);
    }
  }

  /**
   * {@code health()}: the KEK's metadata (the fixed one, or each a template has named so far);
   * where the KMS cannot check, the last data-key request's failure within the backoff.
   */
  @Override
  public KeyManagementService.Health probe() {
    Set<String> named = new LinkedHashSet<>();
    if (fixedKekId != null) {
      named.add(fixedKekId);
      if (fields != null && deterministic == null) { // field KEKs of random fields too
        fields.settings().fieldKeks().stream().filter(k -> !k.deterministic())
            .forEach(k -> named.add(k.kekId()));
      }
    } else {
      named.addAll(rotatorByKek.keySet());
    }
    List<String> keks = List.copyOf(named);
    if (keks.isEmpty()) {
      return new KeyManagementService.Health(true, "no KEK in use yet (" + EnvelopeConfig
          .KEK_ID_TEMPLATE + " names one per topic; none sent so far)", Instant.now());
    }
    KeyManagementService.KekUse use = deterministic == null ? KeyManagementService.KekUse.ENCRYPT
        : KeyManagementService.KekUse.DERIVE;
    List<String> unchecked = new ArrayList<>();
    for (String kekId : keks) {
      try {
        if (!KekCheck.check(kms, kekId, use, kmsTimeoutMs, events)) {
          DekRotator r = rotatorByKek.get(kekId);
          KmsException recent = r == null ? null : r.recentFailure();
          if (recent != null) {
            throw recent;
          }
          unchecked.add(kekId);
        }
      } catch (KmsException e) {
        return new KeyManagementService.Health(false, e.getMessage(), Instant.now());
      }
    }
    return new KeyManagementService.Health(true, "KEK(s) " + keks + " usable for " + use + " ("
        + kms.describe() + ")" + (unchecked.isEmpty() ? "" : "; " + unchecked + " not checked: "
            + "the KMS has no metadata call and no recent failure"), Instant.now());
  }

  /** The age of the oldest data key in use, in ms on the rotators' clock (0: none in use). */
  private long oldestDekAgeMs() {
    long oldest = 0;
    for (DekRotator r : rotatorByKek.values()) {
      oldest = Math.max(oldest, r.activeAgeNanos());
    }
    return TimeUnit.NANOSECONDS.toMillis(oldest);
  }

  /**
   * Header mode: returns the sealed value and puts the envelope header into {@code headers}.
   * Returns {@code plaintext} itself only under the opt-in plaintext policy for an unresolved
   * KEK.
   */
  byte[] encrypt(String topic, Headers headers, byte[] plaintext) {
    return counted(topic, headers, headers, plaintext);
  }

  /**
   * Inline mode: the whole envelope goes into the returned value. A clear prefix is not used
   * here: a reader without record headers could not tell where a frame behind a prefix begins,
   * so the whole value is encrypted.
   */
  byte[] encryptInline(String topic, byte[] plaintext) {
    return counted(topic, null, null, plaintext);
  }

  /**
   * Inline mode for a record that has headers ({@code envelope.framing=inline}): the envelope goes
   * into the value, and a KEK template may still read the record's headers.
   */
  byte[] encryptInline(String topic, Headers kekHeaders, byte[] plaintext) {
    return counted(topic, null, kekHeaders, plaintext);
  }

  /**
   * {@link #seal} reported: a failure by its reason, a sealed record and its bytes (records sent
   * unencrypted by policy are reported where that is decided).
   */
  private byte[] counted(String topic, Headers headers, Headers kekHeaders, byte[] plaintext) {
    byte[] out;
    try {
      out = seal(topic, headers, kekHeaders, plaintext);
    } catch (EnvelopeException e) {
      events.failed(e);
      throw e;
    }
    if (out != plaintext) {
      events.processed(plaintext.length);
    }
    return out;
  }

  /**
   * The one pipeline, for both framings ({@code headers == null}: inline): plan the record (clear
   * prefix? compressed?), reserve a nonce under the current data key, pick the envelope header,
   * lay out the bytes, seal, attach the header. {@code kekHeaders} are the record's headers a
   * per-tenant KEK template reads ({@code null}: none).
   */
  private byte[] seal(String topic, Headers headers, Headers kekHeaders, byte[] plaintext) {
    if (deterministic != null) {
      // Self-contained bytes, no record header: compaction, partitioning and Streams stores see
      // only the key bytes. A forwarded record's header would describe another ciphertext.
      if (headers != null) {
        removeEnvelopeHeader(headers, role);
      }
      return deterministic.encrypt(topic, plaintext);
    }
    boolean inline = headers == null;
    int clear = inline ? 0 : clearPrefixOf(topic, headers, plaintext);
    CompressedBody compressed = codec == null ? null
        : CompressedBody.compress(codec, plaintext, clear);
    byte[] body = compressed == null ? plaintext : compressed.bytes();
    int bodyOffset = compressed == null ? clear : 0;
    // DEK byte limits count what is actually encrypted: the compressed body if there is one.
    int bodyLength = compressed == null ? plaintext.length - clear : compressed.length();

    // Header mode knows its layout before the header: the nonce goes straight into the value.
    // An inline frame's layout depends on the header, so its nonce waits in a scratch array.
    byte[] out = inline ? null : SealedRecord.layOut(plaintext, clear, bodyLength);
    byte[] nonceTo = inline ? NONCE_SCRATCH.get() : out;
    int nonceOffset = inline ? 0 : SealedRecord.nonceOffset(clear);
    DekRotator.Lease lease = reserve(topic, kekHeaders, bodyLength, nonceTo, nonceOffset);
    if (lease == null) {
      return unencrypted(headers, plaintext);
    }
    Sealing sealing = lease.sealing(topic, clear, compressed == null ? 0 : codec.id());
    byte[] header = sealing.header();
    if (inline) {
      checkInlineHeader(header, lease, topic);
      out = SealedRecord.layOutInline(header, nonceTo, bodyLength);
      nonceOffset = SealedRecord.inlineNonceOffset(header.length);
    }
    try {
      AesGcm.seal(sealing.key(), sealing.aad(), out, 0, clear, nonceOffset, body, bodyOffset,
          bodyLength);
    } catch (GeneralSecurityException e) {
      throw EnvelopeException.encrypting(Reason.MISCONFIGURED, role, topic, lease.kekId(),
          lease.dekIdHex(), "cipher failed: " + e.getClass().getName(), null);
    }
    return inline || attach(headers, header) ? out : seal(topic, null, kekHeaders, plaintext);
  }

  /**
   * How many leading bytes stay in the clear ({@code envelope.clear.prefix}); fails closed when
   * the value does not start with a registry's framing, since leaving its first bytes readable
   * would leak plaintext.
   */
  private int clearPrefixOf(String topic, Headers headers, byte[] plaintext) {
    int p = clearPrefix.length();
    if (p > 0 && (plaintext.length < p || plaintext[0] != ClearPrefix.REGISTRY_MAGIC)) {
      removeEnvelopeHeader(headers, role);
      throw EnvelopeException.encrypting(Reason.MISCONFIGURED, role, topic,
          kekSelector.kekFor(topic), null, EnvelopeConfig.CLEAR_PREFIX + "="
              + clearPrefix.name().toLowerCase(Locale.ROOT).replace('_', '-') + " but the inner "
              + "serializer's output does not start with a schema registry's framing (magic byte "
              + "0 and a schema id); nothing was sent", null);
    }
    return p;
  }

  /** Refuses a header an inline frame cannot carry, naming what makes it long. */
  private void checkInlineHeader(byte[] header, DekRotator.Lease lease, String topic) {
    if (header.length > InlineFrame.MAX_HEADER_LENGTH) {
      throw EnvelopeException.encrypting(Reason.MISCONFIGURED, role, topic, lease.kekId(), null,
          "the envelope header is " + header.length + " bytes, more than an inline frame holds ("
              + InlineFrame.MAX_HEADER_LENGTH
                  + "): the KEK id, topic name or the KMS's wrapped key "
              + "is too long for " + EnvelopeConfig.FRAMING + "=inline; nothing was sent", null);
    }
  }

  /**
   * Puts {@code header} on the record in place of any envelope header it carries (a forwarded
   * record's header describes another ciphertext). Returns {@code false} when the headers are
   * read-only and do not already carry exactly this header: {@code KafkaProducer} makes a record's
   * headers read-only once it has serialized it, so a {@code ProducerRecord} sent again (a retry,
   * or the records of an aborted transaction sent in a new one) cannot take a new header. Such a
   * record is then framed inline, which readers try first, so the stale header it keeps is ignored.
   * Under the same DEK the header is unchanged and the record keeps header mode.
   */
  private boolean attach(Headers headers, byte[] header) {
    String name = role.headerName();
    try {
      // A new record has no envelope header: skip remove(), which allocates an iterator.
      if (headers.lastHeader(name) != null) {
        headers.remove(name);
      }
      headers.add(name, header);
      return true;
    } catch (IllegalStateException readOnly) {
      Header current = headers.lastHeader(name);
      return current != null && Arrays.equals(current.value(), header);
    }
  }

  /**
   * A record sent unencrypted by policy: it must not carry a forwarded envelope header
   * ({@code headers} is null for inline framing, which has none).
   */
  private byte[] unencrypted(Headers headers, byte[] plaintext) {
    if (headers != null) {
      removeEnvelopeHeader(headers, role);
    }
    return plaintext;
  }

  /**
   * Removes the role's envelope header if the headers can still be changed. Read-only headers
   * belong to a record that is being sent again; its value is framed inline and readers try that
   * first, so the header it keeps is never used.
   */
  static void removeEnvelopeHeader(Headers headers, Role role) {
    try {
      headers.remove(role.headerName());
    } catch (IllegalStateException readOnly) {
      // see above
    }
  }

  /**
   * Reserves a nonce under the topic's KEK, written to {@code out[nonceOffset]}; returns
   * {@code null} when the topic is to go out unencrypted by policy.
   */
  private DekRotator.Lease reserve(String topic, Headers kekHeaders, int length, byte[] out,
      int nonceOffset) {
    DekRotator rotator = kekSelector.usesHeaders() ? rotatorFor(topic, kekHeaders)
        : topicRotator(topic);
    try {
      return rotator.reserve(length, out, nonceOffset);
    } catch (KmsException e) {
      if (e.reason() == KmsException.Reason.KEY_NOT_FOUND
          && unresolvedPolicy == UnresolvedKekPolicy.PLAINTEXT && !rotator.everResolved()) {
        if (plaintextTopicsLogged.add(topic)) {
          log.warn("KEK '{}' for topic '{}' does not exist; sending its records UNENCRYPTED as "
              + "{}=plaintext allows", rotator.kekId(), topic,
                  EnvelopeConfig.KEK_UNRESOLVED_POLICY);
        }
        events.plaintext(topic, rotator.kekId());
        return null;
      }
      throw EnvelopeException.encrypting(Reason.of(e.reason()), role, topic, rotator.kekId(),
          null, e.getMessage(), e);
    }
  }

  /** The rotator of {@code topic}'s KEK (no per-record template). */
  private DekRotator topicRotator(String topic) {
    TopicRotator last = lastTopic;
    if (last != null && (last.topic() == topic || last.topic().equals(topic))) {
      return last.rotator();
    }
    TopicRotator t = rotatorByTopic.get(topic);
    if (t == null) {
      t = rotatorByTopic.computeIfAbsent(topic,
          k -> new TopicRotator(k, rotator(kekSelector.kekFor(k))));
    }
    lastTopic = t;
    return t.rotator();
  }

  /**
   * The rotator of the KEK a per-tenant template names for this record (one per KEK, so each
   * tenant's records get their own data keys); fails closed when the header is missing or invalid.
   */
  private DekRotator rotatorFor(String topic, Headers kekHeaders) {
    return rotator(kekIdFor(topic, kekHeaders));
  }

  /** The record's KEK: the template's for this record's headers, or the topic's. */
  String kekIdFor(String topic, Headers kekHeaders) {
    if (!kekSelector.usesHeaders()) {
      return kekSelector.kekFor(topic);
    }
    try {
      return kekSelector.kekFor(topic, kekHeaders);
    } catch (KekHeaderException e) {
      if (kekHeaders != null) {
        removeEnvelopeHeader(kekHeaders, role);
      }
      throw EnvelopeException.encrypting(Reason.KEK_HEADER_INVALID, role, topic,
          kekSelector.kekFor(topic), null, e.getMessage() + "; " + EnvelopeConfig.KEK_ID_TEMPLATE
              + " reads it to choose the KEK; nothing was sent", null);
    }
  }

  /** The one rotator of {@code kekId} (record mode and field mode share them). */
  private DekRotator rotator(String kekId) {
    return rotatorByKek.computeIfAbsent(kekId, k -> new DekRotator(kms, k, role, limits,
        ticker, executor, kmsTimeoutMs, failureBackoffMs, events, bindThroughKey));
  }

  /**
   * Field mode: reserves the record nonce of a field header under {@code kekId}, written to
   * {@code out[offset]}, for {@code length} bytes (the header's random fields, one AES-GCM call).
   * A KEK the KMS does not know fails the send whatever {@code envelope.kek.unresolved.policy}
   * says: a field never goes out in the clear.
   */
  DekRotator.Lease reserveForFields(String topic, String kekId, int length, byte[] out,
      int offset) {
    DekRotator rotator = rotator(kekId);
    try {
      return rotator.reserve(length, out, offset);
    } catch (KmsException e) {
      throw EnvelopeException.encrypting(Reason.of(e.reason()), role, topic, kekId, null,
          e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    executor.shutdownNow();
    for (DekRotator r : rotatorByKek.values()) {
      r.retire();
    }
    if (deterministic != null) {
      deterministic.close();
    }
    if (fields != null) {
      fields.close();
    }
  }
}
