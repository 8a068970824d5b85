package io.kafkaenvelope.internal.dek;

import com.github.benmanes.caffeine.cache.Ticker;
import io.kafkaenvelope.internal.crypto.RecordKeys;
import io.kafkaenvelope.internal.events.EnvelopeEvents;
import io.kafkaenvelope.internal.wire.EnvelopeHeader;
import io.kafkaenvelope.internal.wire.Role;
import java.util.HexFormat;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import javax.crypto.spec.SecretKeySpec;

/**
 * A data key in use by a producer, with its usage counters. Each record reserves a sequence number;
 * the nonce is a random per-key prefix followed by a random starting point plus that number, so
 * nonces never repeat under one key and no {@code SecureRandom} call sits on the hot path.
 *
 * <p>The age limit: a record reads the clock if its sequence number is a multiple of {@link
 * #CLOCK_EVERY}, or once the key is within the last tenth of its age ({@link #ageWatch}: set by
 * the rotator's {@link DeadlineTimer} at the refresh point, or by a read that finds it passed).
 * So while the timer runs on time every record after the limit is refused, exactly as with a
 * read on every record; if the timer is late by more than a tenth of the age, at most {@code
 * CLOCK_EVERY - 1} records go out under the key past its limit.
 */
final class ActiveDek implements DekRotator.Lease {

  /** Before the refresh point of the age, the clock is read on every this many records. */
  static final int CLOCK_EVERY = 16;

  private final SecretKeySpec key;
  private final byte[] dekId;
  private final String kekId;
  private final String kekVersion;
  private final byte[] wrapped;
  private final Role role;
  /** Format version 6: records sealed under a per-header key, not with the header as AAD. */
  private final boolean bindThroughKey;
  private final int noncePrefix;
  private final long counterStart;

  private final long activatedAt;
  private final long expiresAt;
  private final long refreshAt;
  private final long maxRecords;
  private final long refreshRecords;
  private final long maxBytes;
  private final long refreshBytes;

  private final AtomicLong sequence = new AtomicLong();
  private final AtomicLong bytes = new AtomicLong();
  /** Set once the next key has been requested, so only one record triggers it. */
  final AtomicBoolean refreshClaimed = new AtomicBoolean();
  /**
   * Set once the key is past the refresh point of its age: every record reads the clock. An
   * object of its own so that the timer's task holds no reference to the key.
   */
  final AgeWatch ageWatch = new AgeWatch();
  /** The timer task that sets {@link #ageWatch}; cancelled when the key retires. */
  volatile Future<?> ageTimer;

  /** Whether every record reads the clock (past the refresh point of the age). */
  static final class AgeWatch implements Runnable {
    volatile boolean on;

    @Override
    public void run() {
      on = true;
    }
  }

  /**
   * How the plain records of each topic are sealed (no clear prefix, not compressed): header and
   * key made once per topic and shared by every record of it.
   */
  private final ConcurrentHashMap<String, TopicSealing> plain = new ConcurrentHashMap<>();
  /**
   * The entry of {@link #plain} used last (a racy cache of an immutable entry, so safe to read
   * without a lock): records of one topic find their sealing by one comparison. Per key, so a
   * rotated key starts empty.
   */
  private TopicSealing lastPlain;
  /**
   * The same for records with a clear prefix or a compressed body, per topic indexed by codec id
   * (0 = uncompressed): a compressing serializer sends both kinds, since a record that does not
   * shrink goes out uncompressed. One prefix length per serializer in practice; a slot is
   * replaced if it changes. Sealings are immutable, so the plain array is safe to share (a race
   * only makes one twice).
   */
  private final ConcurrentHashMap<String, Framed[]> framed = new ConcurrentHashMap<>();

  private record Framed(int clearPrefixLength, Sealing sealing) {}

  private record TopicSealing(String topic, Sealing sealing) {}

  ActiveDek(SecretKeySpec key, byte[] dekId, String kekId, String kekVersion, byte[] wrapped,
      Role role, int noncePrefix, long counterStart, long activatedAt, RotationLimits limits) {
    this(key, dekId, kekId, kekVersion, wrapped, role, false, noncePrefix, counterStart,
        activatedAt, limits);
  }

  ActiveDek(SecretKeySpec key, byte[] dekId, String kekId, String kekVersion, byte[] wrapped,
      Role role, boolean bindThroughKey, int noncePrefix, long counterStart, long activatedAt,
      RotationLimits limits) {
    this.bindThroughKey = bindThroughKey;
    this.key = key;
    this.dekId = dekId;
    this.kekId = kekId;
    this.kekVersion = kekVersion;
    this.wrapped = wrapped;
    this.role = role;
    this.noncePrefix = noncePrefix;
    this.counterStart = counterStart;
    this.activatedAt = activatedAt;
    this.expiresAt = activatedAt + limits.maxAgeNanos();
    this.refreshAt = activatedAt + RotationLimits.refreshPoint(limits.maxAgeNanos());
    this.maxRecords = limits.maxRecords();
    this.refreshRecords = RotationLimits.refreshPoint(limits.maxRecords());
    this.maxBytes = limits.maxBytes();
    this.refreshBytes = RotationLimits.refreshPoint(limits.maxBytes());
  }

  /**
   * Reserves a nonce for a record of {@code length} bytes, reading {@code clock} for the age limit
   * when the class comment says.
   *
   * @return the record's sequence number, or -1 if this key has reached a limit
   */
  long reserve(int length, Ticker clock) {
    long seq = sequence.getAndIncrement();
    if (seq >= maxRecords) {
      return -1;
    }
    AgeWatch watch = ageWatch;
    if (watch.on || (seq & (CLOCK_EVERY - 1)) == 0) {
      long now = clock.read();
      if (now - expiresAt >= 0) {
        return -1;
      }
      if (!watch.on && now - refreshAt >= 0) {
        watch.on = true; // the timer is late: from here on every record reads the clock
      }
    }
    // The record that crosses the byte limit is the last one, so a record larger than the whole
    // limit still goes out (alone) under a fresh key rather than looping forever.
    if (bytes.getAndAdd(length) >= maxBytes) {
      return -1;
    }
    return seq;
  }

  @Override
  public byte[] dekId() {
    return dekId.clone();
  }

  @Override
  public byte[] wrappedDekUnsafe() {
    return wrapped;
  }

  /** Which limit this key reached (called once {@link #reserve} refused it). */
  EnvelopeEvents.RotationReason exhaustedBy(long now) {
    if (now - expiresAt >= 0) {
      return EnvelopeEvents.RotationReason.AGE;
    }
    return sequence.get() >= maxRecords ? EnvelopeEvents.RotationReason.RECORDS
        : EnvelopeEvents.RotationReason.BYTES;
  }

  /** Records encrypted under this key (reservations within the limit). */
  long recordsEncrypted() {
    return Math.min(sequence.get(), maxRecords);
  }

  long activatedAt() {
    return activatedAt;
  }

  @Override
  public String kekVersion() {
    return kekVersion;
  }

  /** Whether the record just reserved brings this key past the point to prepare the next. */
  boolean refreshDue(long seq) {
    return seq >= refreshRecords || ageWatch.on || bytes.get() >= refreshBytes;
  }

  /** The clock reading at which the next key is prepared and every record reads the clock. */
  long refreshAt() {
    return refreshAt;
  }

  /** Writes the 12-byte nonce of record {@code seq} at {@code out[offset]}. */
  void writeNonce(byte[] out, int offset, long seq) {
    int p = noncePrefix;
    out[offset] = (byte) (p >>> 24);
    out[offset + 1] = (byte) (p >>> 16);
    out[offset + 2] = (byte) (p >>> 8);
    out[offset + 3] = (byte) p;
    long c = counterStart + seq;
    for (int i = 11; i >= 4; i--) {
      out[offset + i] = (byte) c;
      c >>>= 8;
    }
  }

  @Override
  public Sealing sealing(String topic, int clearPrefixLength, int codec) {
    if (clearPrefixLength == 0 && codec == 0) {
      TopicSealing last = lastPlain;
      if (last != null && (last.topic() == topic || last.topic().equals(topic))) {
        return last.sealing();
      }
      TopicSealing h = plain.get(topic);
      if (h == null) {
        h = plain.computeIfAbsent(topic, t -> new TopicSealing(t, sealingFor(t, 0, 0)));
      }
      lastPlain = h;
      return h.sealing();
    }
    Framed[] byCodec = framed.get(topic);
    if (byCodec == null) {
      byCodec = framed.computeIfAbsent(topic, t -> new Framed[256]); // u8 codec
    }
    Framed f = byCodec[codec];
    if (f == null || f.clearPrefixLength() != clearPrefixLength) {
      f = new Framed(clearPrefixLength, sealingFor(topic, clearPrefixLength, codec));
      byCodec[codec] = f;
    }
    return f.sealing();
  }

  private Sealing sealingFor(String topic, int clearPrefixLength, int codec) {
    byte[] h = EnvelopeHeader.create(role, dekId, topic, kekId, kekVersion, wrapped,
        clearPrefixLength, codec, bindThroughKey).encodedUnsafe();
    return bindThroughKey ? new Sealing(h, RecordKeys.derive(key, h), null)
        : new Sealing(h, key, h);
  }

  @Override
  public SecretKeySpec key() {
    return key;
  }

  @Override
  public String kekId() {
    return kekId;
  }

  @Override
  public String dekIdHex() {
    return HexFormat.of().formatHex(dekId);
  }

  @Override
  public String toString() {
    return "ActiveDek{kek=" + kekId + ", dek=" + dekIdHex() + ", records=" + sequence.get() + "}";
  }
}
