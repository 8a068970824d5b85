package io.kafkaenvelope.serde;

import io.kafkaenvelope.config.EnvelopeConfig;
import io.kafkaenvelope.internal.crypto.AesGcm;
import io.kafkaenvelope.internal.crypto.TinkCheck;
import io.kafkaenvelope.internal.deterministic.DeterministicScope;
import io.kafkaenvelope.internal.dek.DekRotator;
import io.kafkaenvelope.internal.events.EnvelopeEvents;
import io.kafkaenvelope.internal.field.FieldFormat;
import io.kafkaenvelope.internal.field.FieldPaths;
import io.kafkaenvelope.internal.field.FieldRule;
import io.kafkaenvelope.internal.field.FieldSealer;
import io.kafkaenvelope.internal.field.FieldSettings;
import io.kafkaenvelope.internal.kek.KekSelector;
import io.kafkaenvelope.internal.wire.FieldHeader;
import io.kafkaenvelope.internal.wire.Role;
import io.kafkaenvelope.internal.wire.WireFormat;
import io.kafkaenvelope.kms.KeyManagementService;
import io.kafkaenvelope.serde.EnvelopeException.Reason;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Serializer;

/**
 * The producer side of field mode ({@code envelope.mode=field}), one per serializer, on the data
 * keys of its {@link RecordEncryptor} (the same rotators, limits and KMS calls as record mode).
 * Per record: the format walks the record and asks a {@link Sealer} to seal each chosen field; a
 * random field gets its array to store ({@code 0x05 | index}, then room for its ciphertext) and
 * its encoding joins its KEK's plaintext; once the format is done, {@link Sealer#finish} reserves
 * one record nonce per KEK (the lease fixes the DEK, and counts the KEK's random bytes), and one
 * AES-GCM call per KEK encrypts the concatenation of its random fields, its associated data the
 * header and the fields' lengths: the ciphertext is split into the stored arrays, the tag ends
 * the header. The inner serializer then writes the value and the headers go into the record
 * headers. Thread-safe; a {@link Sealer} serves one call.
 */
final class FieldEncryptor {

  /** In the lengths list, the mark of a deterministic field (not in the GCM plaintext). */
  static final int DETERMINISTIC_LENGTH = -1;

  private final RecordEncryptor keys;
  private final Role role;
  private final FieldSettings settings;
  private final DeterministicEncryptor deterministic;
  private final EnvelopeEvents events;
  /**
   * Per KEK and topic, the binding of the data key last used, with index 0 and a zero record
   * nonce: a record's binding is a copy with both filled in, not a new encoding of its strings.
   */
  private final ConcurrentHashMap<BindingKey, Binding> bindings = new ConcurrentHashMap<>();

  private record BindingKey(String kekId, String topic) {}

  private record Binding(DekRotator.Lease lease, byte[] template) {}

  FieldEncryptor(RecordEncryptor keys, EnvelopeConfig config, KeyManagementService kms,
      String kmsScope, KekSelector kekSelector, EnvelopeEvents events) {
    this.keys = keys;
    this.role = keys.role();
    this.settings = FieldSettings.of(config);
    this.events = events;
    if (settings.anyDeterministic() && !TinkCheck.present()) {
      throw new ConfigException(EnvelopeConfig.MODE, "field", TinkCheck.missing(
          "a deterministic field (envelope.fields.mode.<tag or pattern>=deterministic)"));
    }
    // created only when needed, so random fields never load a Tink class
    this.deterministic = settings.anyDeterministic() ? new DeterministicEncryptor(config, role,
        kms, kmsScope, kekSelector, events) : null;
  }

  /**
   * Seals the chosen fields of {@code data} through {@code format}, encrypts them, serializes the
   * result with {@code inner} and writes the field headers into {@code headers}. Nothing reaches
   * {@code headers} unless all of it succeeded.
   */
  @SuppressWarnings({"unchecked", "rawtypes"})
  byte[] serialize(String topic, Headers headers, Object data, FieldFormat format,
      Serializer inner) {
    try {
      if (headers == null) {
        throw EnvelopeException.encrypting(Reason.MISCONFIGURED, role, topic, null, null,
            EnvelopeConfig.MODE + "=field writes its envelope into record headers, and this "
                + "call has none (serialize(topic, data), as Kafka Streams state stores call "
                + "it); use record mode for such serdes. Nothing was sent", null);
      }
      Sealer sealer = new Sealer(topic, headers);
      Object sealed = format.seal(topic, data, sealer);
      // The stored arrays get their ciphertext here, before the inner serializer reads them.
      List<byte[]> fieldHeaders = sealer.finish();
      byte[] out = inner.serialize(topic, headers, sealed);
      if (out == null) {
        return null;
      }
      sealer.writeHeaders(headers, fieldHeaders);
      events.processed(sealer.sealedBytes);
      return out;
    } catch (EnvelopeException e) {
      events.failed(e);
      throw e;
    }
  }

  /** The field settings ({@code envelope.fields.kek.*} for the start-up check). */
  FieldSettings settings() {
    return settings;
  }

  void close() {
    if (deterministic != null) {
      deterministic.close();
    }
  }

  /** One KEK's part of one record: the paths sealed under it and its random fields. */
  private static final class Slot {
    final int index;
    final String kekId;
    final List<String> paths = new ArrayList<>(4);
    /** Per path, its encoding's length, or {@link #DETERMINISTIC_LENGTH}. */
    int[] lengths = new int[4];
    /** The random fields' stored arrays, in path order. */
    final List<byte[]> stored = new ArrayList<>(4);
    /** The random fields' encodings, concatenated in path order: the GCM plaintext. */
    byte[] plain = new byte[256];
    int plainLength;

    Slot(int index, String kekId) {
      this.index = index;
      this.kekId = kekId;
    }

    void add(String path, int length) {
      if (paths.size() == lengths.length) {
        lengths = Arrays.copyOf(lengths, lengths.length * 2);
      }
      lengths[paths.size()] = length;
      paths.add(path);
    }

    void addRandom(String path, byte[] encoding, byte[] out) {
      add(path, encoding.length);
      stored.add(out);
      if (plain.length - plainLength < encoding.length) {
        plain = Arrays.copyOf(plain, Math.max(plain.length * 2, plainLength + encoding.length));
      }
      System.arraycopy(encoding, 0, plain, plainLength, encoding.length);
      plainLength += encoding.length;
    }
  }

  /** One record's {@link FieldSealer}. */
  final class Sealer implements FieldSealer {

    private final String topic;
    private final Headers headers;
    private final Map<String, Slot> slots = new LinkedHashMap<>(4);
    private final Set<String> sealedPaths = new HashSet<>();
    private String recordKek;
    private boolean finished;
    int sealedBytes;

    Sealer(String topic, Headers headers) {
      this.topic = topic;
      this.headers = headers;
    }

    @Override
    public Set<String> configuredPatterns() {
      return settings.patterns();
    }

    @Override
    public FieldRule select(String pattern, boolean annotated, Set<String> tags) {
      return settings.select(pattern, annotated, tags);
    }

    @Override
    public byte[] seal(FieldRule rule, String concretePath, byte[] encoding) {
      if (finished) {
        throw configError("the format sealed a field after the record was complete");
      }
      if (!(rule instanceof FieldSettings.Choice choice)) {
        throw configError("a field rule must come from select()");
      }
      String pattern;
      try {
        pattern = FieldPaths.patternOf(concretePath);
      } catch (IllegalArgumentException e) {
        throw configError("the format produced a malformed field path (" + e.getMessage() + ")");
      }
      if (!pattern.equals(choice.pattern())) {
        throw configError("the format sealed a field of pattern '" + pattern + "' with the rule "
            + "of '" + choice.pattern() + "'");
      }
      if (!sealedPaths.add(concretePath)) {
        throw configError("the format sealed the field '" + pattern + "' twice in one record");
      }
      String kekId = choice.kekId() != null ? choice.kekId() : recordKek();
      Slot slot = slot(kekId);
      sealedBytes += encoding.length;
      if (choice.deterministic()) {
        DeterministicScope scope = choice.scope() == null
            ? DeterministicScope.of(null, topic) : DeterministicScope.of(choice.scope(), topic);
        byte[] frame = deterministic.encryptField(topic, kekId, scope,
            DeterministicEncryptor.fieldAd(scope.kind(), pattern), encoding);
        slot.add(concretePath, DETERMINISTIC_LENGTH);
        return frame;
      }
      // The content after the prefix is written by finish(), for all the KEK's fields at once.
      byte[] out = new byte[WireFormat.FIELD_PREFIX + encoding.length];
      out[0] = WireFormat.VERSION_5;
      out[1] = (byte) slot.index;
      slot.addRandom(concretePath, encoding, out);
      return out;
    }

    @Override
    public RuntimeException configError(String detail) {
      return EnvelopeException.encrypting(Reason.MISCONFIGURED, role, topic, null, null,
          detail + "; nothing was sent", null);
    }

    private String recordKek() {
      if (recordKek == null) {
        recordKek = keys.kekIdFor(topic, headers);
      }
      return recordKek;
    }

    private Slot slot(String kekId) {
      Slot s = slots.get(kekId);
      if (s != null) {
        return s;
      }
      int index = slots.size();
      if (index > 0xFF - 1) {
        throw configError("a record's fields use more than 255 KEKs");
      }
      s = new Slot(index, kekId);
      slots.put(kekId, s);
      return s;
    }

    /** The binding template of {@code lease} for this topic (index 0, zero record nonce). */
    private byte[] template(String kekId, DekRotator.Lease lease) {
      BindingKey key = new BindingKey(kekId, topic);
      Binding b = bindings.get(key);
      if (b != null && b.lease() == lease) {
        return b.template();
      }
      byte[] template;
      try {
        template = FieldHeader.binding(role, 0, lease.dekId(),
            new byte[WireFormat.NONCE_LENGTH], topic, kekId, lease.kekVersion(),
            lease.wrappedDekUnsafe());
      } catch (IllegalArgumentException e) {
        throw EnvelopeException.encrypting(Reason.MISCONFIGURED, role, topic, kekId, null,
            "the field envelope header cannot hold this KEK id, topic or wrapped key ("
                + e.getMessage() + "); nothing was sent", null);
      }
      bindings.put(key, new Binding(lease, template));
      return template;
    }

    /**
     * Encrypts the record's random fields, one AES-GCM call per KEK, writing each stored array's
     * ciphertext, and returns the tagged field headers in index order; a record without a sealed
     * field still gets one, under its KEK, with no paths, so a reader knows it is in field mode.
     */
    List<byte[]> finish() {
      finished = true;
      if (slots.isEmpty()) {
        slot(recordKek());
      }
      int count = slots.size();
      List<byte[]> encoded = new ArrayList<>(count);
      for (Slot s : slots.values()) {
        encoded.add(seal(s, count));
      }
      return encoded;
    }

    /** One header: its lease, its bytes, and the one GCM call over its random fields. */
    private byte[] seal(Slot s, int count) {
      byte[] nonce = new byte[WireFormat.NONCE_LENGTH];
      DekRotator.Lease lease = keys.reserveForFields(topic, s.kekId, s.plainLength, nonce, 0);
      byte[] binding = template(s.kekId, lease).clone();
      binding[FieldHeader.INDEX_OFFSET] = (byte) s.index;
      System.arraycopy(nonce, 0, binding, FieldHeader.recordNonceOffset(),
          WireFormat.NONCE_LENGTH);
      byte[] h;
      try {
        h = FieldHeader.unsealed(binding, count, s.paths);
      } catch (IllegalArgumentException e) {
        throw configError("the field envelope header cannot hold the record's fields ("
            + e.getMessage() + ")");
      }
      int adLength = h.length - WireFormat.TAG_LENGTH;
      // buf = associated data (header before the tag, lengths list) | nonce | ciphertext | tag
      int clear = adLength + 4 * s.paths.size();
      byte[] buf = new byte[clear + WireFormat.NONCE_LENGTH + s.plainLength
          + WireFormat.TAG_LENGTH];
      System.arraycopy(h, 0, buf, 0, adLength);
      putLengths(buf, adLength, s.lengths, s.paths.size());
      System.arraycopy(nonce, 0, buf, clear, WireFormat.NONCE_LENGTH);
      try {
        AesGcm.seal(lease.key(), null, buf, 0, clear, clear, s.plain, 0, s.plainLength);
      } catch (GeneralSecurityException e) {
        throw EnvelopeException.encrypting(Reason.MISCONFIGURED, role, topic, s.kekId,
            lease.dekIdHex(), "cipher failed: " + e.getClass().getName(), null);
      } finally {
        Arrays.fill(s.plain, 0, s.plainLength, (byte) 0);
      }
      int off = clear + WireFormat.NONCE_LENGTH;
      for (byte[] out : s.stored) {
        int len = out.length - WireFormat.FIELD_PREFIX;
        System.arraycopy(buf, off, out, WireFormat.FIELD_PREFIX, len);
        off += len;
      }
      System.arraycopy(buf, off, h, adLength, WireFormat.TAG_LENGTH);
      return h;
    }

    /** Writes the field headers, in place of any the record carried (a forwarded record's). */
    void writeHeaders(Headers headers, List<byte[]> encoded) {
      try {
        headers.remove(role.fieldsHeaderName());
        headers.remove(role.headerName());
        for (byte[] h : encoded) {
          headers.add(role.fieldsHeaderName(), h);
        }
      } catch (IllegalStateException readOnly) {
        throw EnvelopeException.encrypting(Reason.MISCONFIGURED, role, topic, null, null,
            "the record's headers are read-only: KafkaProducer has sent this ProducerRecord "
                + "before (a retry, or an aborted transaction sent again), and field mode "
                + "needs new field headers for new ciphertexts; send a new ProducerRecord. "
                + "Nothing was sent", null);
      }
    }
  }

  /**
   * Writes the lengths list at {@code out[offset]}: per listed path, u32 big-endian, the length
   * of a random field's encoding or 0xFFFFFFFF for a deterministic one. Part of a header's
   * associated data, never on the wire: it fixes where each field's slice of the one ciphertext
   * begins and ends (without it, bytes could move from the end of one field to the start of the
   * next with the concatenation unchanged) and which fields are random.
   */
  static void putLengths(byte[] out, int offset, int[] lengths, int count) {
    for (int i = 0; i < count; i++) {
      int v = lengths[i];
      int o = offset + 4 * i;
      out[o] = (byte) (v >>> 24);
      out[o + 1] = (byte) (v >>> 16);
      out[o + 2] = (byte) (v >>> 8);
      out[o + 3] = (byte) v;
    }
  }
}
