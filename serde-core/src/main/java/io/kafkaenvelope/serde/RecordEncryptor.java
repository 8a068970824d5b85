package io.kafkaenvelope.serde;

import com.github.benmanes.caffeine.cache.Ticker;
import io.kafkaenvelope.config.EnvelopeConfig;
import io.kafkaenvelope.config.EnvelopeConfig.ClearPrefix;
import io.kafkaenvelope.config.EnvelopeConfig.UnresolvedKekPolicy;
import io.kafkaenvelope.compress.Codec;
import io.kafkaenvelope.compress.Codecs;
import io.kafkaenvelope.crypto.AesGcm;
import io.kafkaenvelope.dek.DekRotator;
import io.kafkaenvelope.dek.RotationLimits;
import io.kafkaenvelope.kek.KekSelector;
import io.kafkaenvelope.kms.KeyManagementService;
import io.kafkaenvelope.kms.KmsException;
import io.kafkaenvelope.serde.EnvelopeException.Reason;
import io.kafkaenvelope.wire.InlineFrame;
import io.kafkaenvelope.wire.Role;
import io.kafkaenvelope.wire.WireFormat;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The producer side of the envelope: one per serializer instance, thread-safe. */
final class RecordEncryptor implements AutoCloseable {

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
  private final Ticker ticker;
  private final long kmsTimeoutMs;
  private final long failureBackoffMs;
  private final ScheduledExecutorService executor;
  private final ConcurrentHashMap<String, DekRotator> rotatorByTopic = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, DekRotator> rotatorByKek = new ConcurrentHashMap<>();
  private final Set<String> plaintextTopicsLogged = ConcurrentHashMap.newKeySet();

  RecordEncryptor(EnvelopeConfig config, Role role, KeyManagementService kms, Ticker ticker) {
    this.role = role;
    this.kms = kms;
    this.kekSelector = KekSelector.from(config);
    this.unresolvedPolicy = config.unresolvedKekPolicy();
    this.clearPrefix = config.clearPrefix();
    this.codec = codec(config);
    this.limits = new RotationLimits(
        TimeUnit.MILLISECONDS.toNanos(config.getLong(EnvelopeConfig.DEK_MAX_AGE_MS)),
        config.getLong(EnvelopeConfig.DEK_MAX_RECORDS),
        config.getLong(EnvelopeConfig.DEK_MAX_BYTES));
    this.ticker = ticker;
    this.kmsTimeoutMs = config.getLong(EnvelopeConfig.KMS_TIMEOUT_MS);
    this.failureBackoffMs = config.getLong(EnvelopeConfig.KMS_FAILURE_BACKOFF_MS);
    this.executor = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "kafka-envelope-dek-" + role + "-" + THREADS.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
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
   * Encrypts for header mode: returns nonce | ciphertext | tag and puts the envelope header into
   * {@code headers}. Returns {@code plaintext} itself only under the opt-in plaintext policy for
   * an unresolved KEK.
   */
  byte[] encrypt(String topic, Headers headers, byte[] plaintext) {
    if (clearPrefix != ClearPrefix.NONE) {
      return encryptWithClearPrefix(topic, headers, plaintext);
    }
    if (codec != null) {
      Body body = compress(plaintext, 0);
      if (body != null) {
        return encryptCompressed(topic, headers, plaintext, 0, body);
      }
    }
    DekRotator rotator = rotator(topic);
    byte[] out = new byte[AesGcm.sealedLength(plaintext.length)];
    DekRotator.Lease lease = reserve(rotator, topic, plaintext.length, out, 0);
    if (lease == null) {
      return unencrypted(headers, plaintext);
    }
    byte[] header = lease.header(topic);
    seal(lease, rotator, topic, header, plaintext, out, 0);
    return attach(headers, header) ? out : encryptInline(topic, plaintext);
  }

  /**
   * Header mode with a clear prefix: returns clear prefix | nonce | ciphertext | tag under a
   * version 2 header, the prefix authenticated after the header.
   */
  private byte[] encryptWithClearPrefix(String topic, Headers headers, byte[] plaintext) {
    int p = clearPrefix.length();
    DekRotator rotator = rotator(topic);
    if (plaintext.length < p || plaintext[0] != ClearPrefix.REGISTRY_MAGIC) {
      // Fail closed: leaving the first bytes of an unframed value readable would leak plaintext.
      removeEnvelopeHeader(headers, role);
      throw new EnvelopeException(Reason.MISCONFIGURED, true, role, topic, rotator.kekId(), null,
          EnvelopeConfig.CLEAR_PREFIX + "=" + clearPrefix.name().toLowerCase(java.util.Locale.ROOT)
              + " but the inner serializer's output does not start with a schema registry's "
              + "framing (magic byte 0 and a schema id); nothing was sent", null);
    }
    if (codec != null) {
      Body body = compress(plaintext, p);
      if (body != null) {
        return encryptCompressed(topic, headers, plaintext, p, body);
      }
    }
    byte[] out = new byte[p + AesGcm.sealedLength(plaintext.length - p)];
    DekRotator.Lease lease = reserve(rotator, topic, plaintext.length - p, out, p);
    if (lease == null) {
      return unencrypted(headers, plaintext);
    }
    byte[] header = lease.header(topic, p, 0);
    try {
      AesGcm.encryptWithClearPrefix(lease.key(), header, plaintext, p, out);
    } catch (GeneralSecurityException e) {
      throw new EnvelopeException(Reason.MISCONFIGURED, true, role, topic, rotator.kekId(),
          lease.dekIdHex(), "cipher failed: " + e.getClass().getName(), null);
    }
    return attach(headers, header) ? out : encryptInline(topic, plaintext);
  }

  /**
   * Encrypts for inline mode: the whole envelope goes into the returned value. A clear prefix is
   * not used here: a reader without record headers could not tell where a frame behind a prefix
   * begins, so the whole value is encrypted.
   */
  byte[] encryptInline(String topic, byte[] plaintext) {
    Body body = codec == null ? null : compress(plaintext, 0);
    if (body != null) {
      return encryptInlineCompressed(topic, plaintext, body);
    }
    DekRotator rotator = rotator(topic);
    byte[] nonce = NONCE_SCRATCH.get();
    DekRotator.Lease lease = reserve(rotator, topic, plaintext.length, nonce, 0);
    if (lease == null) {
      return plaintext;
    }
    byte[] header = inlineHeader(lease.header(topic), rotator, topic);
    byte[] out = new byte[InlineFrame.prefixLength(header.length)
        + AesGcm.sealedLength(plaintext.length)];
    int nonceOffset = InlineFrame.writePrefix(out, header);
    System.arraycopy(nonce, 0, out, nonceOffset, nonce.length);
    seal(lease, rotator, topic, header, plaintext, out, nonceOffset);
    return out;
  }

  /** Refuses a header an inline frame cannot carry, naming what makes it long. */
  private byte[] inlineHeader(byte[] header, DekRotator rotator, String topic) {
    if (header.length > InlineFrame.MAX_HEADER_LENGTH) {
      throw new EnvelopeException(Reason.MISCONFIGURED, true, role, topic, rotator.kekId(), null,
          "the envelope header is " + header.length + " bytes, more than an inline frame holds ("
              + InlineFrame.MAX_HEADER_LENGTH + "): the KEK id, topic name or the KMS's wrapped key "
              + "is too long for " + EnvelopeConfig.FRAMING + "=inline; nothing was sent", null);
    }
    return header;
  }

  /**
   * Compresses {@code plaintext[from ..)} into a version 3 body, {@code u32 length | compressed},
   * or returns {@code null} when that would not make the record smaller: the body plus the three
   * bytes a version 3 header adds must be shorter than the uncompressed bytes.
   */
  private Body compress(byte[] plaintext, int from) {
    int n = plaintext.length - from;
    int room = n - WireFormat.UNCOMPRESSED_LENGTH_FIELD - 4;
    if (room <= 0) {
      return null;
    }
    byte[] body = new byte[WireFormat.UNCOMPRESSED_LENGTH_FIELD + room];
    int c = codec.compress(plaintext, from, n, body, WireFormat.UNCOMPRESSED_LENGTH_FIELD);
    if (c < 0) {
      return null;
    }
    body[0] = (byte) (n >>> 24);
    body[1] = (byte) (n >>> 16);
    body[2] = (byte) (n >>> 8);
    body[3] = (byte) n;
    return new Body(body, WireFormat.UNCOMPRESSED_LENGTH_FIELD + c);
  }

  /** A version 3 body in the first {@code length} bytes of {@code bytes}. */
  private record Body(byte[] bytes, int length) {}

  /** Header mode, compressed: clear prefix (if any) | nonce | ciphertext of the body | tag. */
  private byte[] encryptCompressed(String topic, Headers headers, byte[] plaintext, int p,
      Body body) {
    int bodyLength = body.length();
    DekRotator rotator = rotator(topic);
    byte[] out = new byte[p + AesGcm.sealedLength(bodyLength)];
    // DEK byte limits count what is actually encrypted: the compressed body.
    DekRotator.Lease lease = reserve(rotator, topic, bodyLength, out, p);
    if (lease == null) {
      return unencrypted(headers, plaintext);
    }
    byte[] header = lease.header(topic, p, codec.id());
    System.arraycopy(plaintext, 0, out, 0, p);
    sealBody(lease, rotator, topic, header, p, body.bytes(), bodyLength, out, p);
    return attach(headers, header) ? out : encryptInline(topic, plaintext);
  }

  private byte[] encryptInlineCompressed(String topic, byte[] plaintext, Body body) {
    int bodyLength = body.length();
    DekRotator rotator = rotator(topic);
    byte[] nonce = NONCE_SCRATCH.get();
    DekRotator.Lease lease = reserve(rotator, topic, bodyLength, nonce, 0);
    if (lease == null) {
      return plaintext;
    }
    byte[] header = inlineHeader(lease.header(topic, 0, codec.id()), rotator, topic);
    byte[] out = new byte[InlineFrame.prefixLength(header.length) + AesGcm.sealedLength(bodyLength)];
    int nonceOffset = InlineFrame.writePrefix(out, header);
    System.arraycopy(nonce, 0, out, nonceOffset, nonce.length);
    sealBody(lease, rotator, topic, header, 0, body.bytes(), bodyLength, out, nonceOffset);
    return out;
  }

  private void sealBody(DekRotator.Lease lease, DekRotator rotator, String topic, byte[] header,
      int clearLength, byte[] body, int bodyLength, byte[] out, int nonceOffset) {
    try {
      AesGcm.encryptBody(lease.key(), header, clearLength, body, bodyLength, out, nonceOffset);
    } catch (GeneralSecurityException e) {
      throw new EnvelopeException(Reason.MISCONFIGURED, true, role, topic, rotator.kekId(),
          lease.dekIdHex(), "cipher failed: " + e.getClass().getName(), null);
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
      headers.remove(name);
      headers.add(name, header);
      return true;
    } catch (IllegalStateException readOnly) {
      Header current = headers.lastHeader(name);
      return current != null && Arrays.equals(current.value(), header);
    }
  }

  /** A record sent unencrypted by policy: it must not carry a forwarded envelope header. */
  private byte[] unencrypted(Headers headers, byte[] plaintext) {
    removeEnvelopeHeader(headers, role);
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

  private DekRotator rotator(String topic) {
    DekRotator r = rotatorByTopic.get(topic);
    if (r == null) {
      String kekId = kekSelector.kekFor(topic);
      r = rotatorByKek.computeIfAbsent(kekId, k -> new DekRotator(kms, k, role, limits, ticker,
          executor, kmsTimeoutMs, failureBackoffMs));
      rotatorByTopic.putIfAbsent(topic, r);
    }
    return r;
  }

  /** Returns the lease, or {@code null} when the topic is to go out unencrypted by policy. */
  private DekRotator.Lease reserve(DekRotator rotator, String topic, int length, byte[] out,
      int nonceOffset) {
    try {
      return rotator.reserve(length, out, nonceOffset, topic);
    } catch (KmsException e) {
      if (e.reason() == KmsException.Reason.KEY_NOT_FOUND
          && unresolvedPolicy == UnresolvedKekPolicy.PLAINTEXT && !rotator.everResolved()) {
        if (plaintextTopicsLogged.add(topic)) {
          log.warn("KEK '{}' for topic '{}' does not exist; sending its records UNENCRYPTED as "
              + "{}=plaintext allows", rotator.kekId(), topic, EnvelopeConfig.KEK_UNRESOLVED_POLICY);
        }
        return null;
      }
      throw new EnvelopeException(Reason.of(e.reason()), true, role, topic, rotator.kekId(), null,
          e.getMessage(), e);
    }
  }

  private void seal(DekRotator.Lease lease, DekRotator rotator, String topic, byte[] header,
      byte[] plaintext, byte[] out, int nonceOffset) {
    try {
      AesGcm.encrypt(lease.key(), header, plaintext, out, nonceOffset);
    } catch (GeneralSecurityException e) {
      throw new EnvelopeException(Reason.MISCONFIGURED, true, role, topic, rotator.kekId(),
          lease.dekIdHex(), "cipher failed: " + e.getClass().getName(), null);
    }
  }

  @Override
  public void close() {
    executor.shutdownNow();
  }
}
