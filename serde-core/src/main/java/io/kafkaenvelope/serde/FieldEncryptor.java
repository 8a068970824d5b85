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
import java.nio.charset.StandardCharsets;
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
 * Per record: the format walks the record and asks a {@link Sealer} to seal each chosen field;
 * the first field under a KEK reserves that KEK's record nonce (the lease fixes the DEK for the
 * whole record), each random field then takes one more nonce of the same DEK; once the inner
 * serializer has written the value, one {@link FieldHeader} per KEK, tagged under its DEK, goes
 * into the record headers. Thread-safe; a {@link Sealer} serves one call.
 */
final class FieldEncryptor {

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
   * Seals the chosen fields of {@code data} through {@code format}, serializes the result with
   * {@code inner} and writes the field headers into {@code headers}. Nothing reaches {@code
   * headers} unless all of it succeeded.
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
      byte[] out = inner.serialize(topic, headers, sealed);
      if (out == null) {
        return null;
      }
      sealer.finish(headers);
      events.processed(sealer.sealedBytes);
      return out;
    } catch (EnvelopeException e) {
      events.failed(e);
      throw e;
    }
  }

  void close() {
    if (deterministic != null) {
      deterministic.close();
    }
  }

  /** One KEK's part of one record: its lease, binding and the paths sealed under it. */
  private static final class Slot {
    final int index;
    final DekRotator.Lease lease;
    final byte[] recordNonce;
    final byte[] binding;
    final List<String> paths = new ArrayList<>(4);

    Slot(int index, DekRotator.Lease lease, byte[] recordNonce, byte[] binding) {
      this.index = index;
      this.lease = lease;
      this.recordNonce = recordNonce;
      this.binding = binding;
    }
  }

  /** One record's {@link FieldSealer}. */
  final class Sealer implements FieldSealer {

    private final String topic;
    private final Headers headers;
    private final Map<String, Slot> slots = new LinkedHashMap<>(4);
    private final Set<String> sealedPaths = new HashSet<>();
    private String recordKek;
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
      slot.paths.add(concretePath);
      sealedBytes += encoding.length;
      if (choice.deterministic()) {
        DeterministicScope scope = choice.scope() == null
            ? DeterministicScope.of(null, topic) : DeterministicScope.of(choice.scope(), topic);
        return deterministic.encryptField(topic, kekId, scope,
            DeterministicEncryptor.fieldAd(scope.kind(), pattern), encoding);
      }
      int len = encoding.length;
      byte[] out = new byte[WireFormat.FIELD_PREFIX + WireFormat.NONCE_LENGTH + len
          + WireFormat.TAG_LENGTH];
      out[0] = WireFormat.VERSION_5;
      out[1] = (byte) slot.index;
      slot.lease.reserveAnother(len, out, WireFormat.FIELD_PREFIX);
      try {
        AesGcm.seal(slot.lease.key(), fieldAd(slot.binding, concretePath), out, 0, 0,
            WireFormat.FIELD_PREFIX, encoding, 0, len);
      } catch (GeneralSecurityException e) {
        throw EnvelopeException.encrypting(Reason.MISCONFIGURED, role, topic, kekId,
            slot.lease.dekIdHex(), "cipher failed: " + e.getClass().getName(), null);
      }
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
      byte[] nonce = new byte[WireFormat.NONCE_LENGTH];
      DekRotator.Lease lease = keys.reserveForFields(topic, kekId, nonce, 0);
      byte[] binding = template(topic, kekId, lease).clone();
      binding[FieldHeader.INDEX_OFFSET] = (byte) index;
      System.arraycopy(nonce, 0, binding, FieldHeader.recordNonceOffset(),
          WireFormat.NONCE_LENGTH);
      s = new Slot(index, lease, nonce, binding);
      slots.put(kekId, s);
      return s;
    }

    /** The binding template of {@code lease} for this topic (index 0, zero record nonce). */
    private byte[] template(String topic, String kekId, DekRotator.Lease lease) {
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
     * Writes one tagged field header per KEK, in index order, in place of any the record
     * carried (a forwarded record's); a record without a sealed field still gets one, under its
     * KEK, with no paths, so a reader knows it is in field mode.
     */
    void finish(Headers headers) {
      if (slots.isEmpty()) {
        slot(recordKek());
      }
      int count = slots.size();
      List<byte[]> encoded = new ArrayList<>(count);
      for (Slot s : slots.values()) {
        byte[] h = FieldHeader.unsealed(s.binding, count, s.paths);
        int adLength = h.length - WireFormat.TAG_LENGTH;
        byte[] nonceAndTag = Arrays.copyOf(s.recordNonce,
            WireFormat.NONCE_LENGTH + WireFormat.TAG_LENGTH);
        try {
          AesGcm.seal(s.lease.key(), Arrays.copyOf(h, adLength), nonceAndTag, 0, 0, 0,
              new byte[0], 0, 0);
        } catch (GeneralSecurityException e) {
          throw EnvelopeException.encrypting(Reason.MISCONFIGURED, role, topic,
              s.lease.kekId(), s.lease.dekIdHex(), "cipher failed: " + e.getClass().getName(),
              null);
        }
        System.arraycopy(nonceAndTag, WireFormat.NONCE_LENGTH, h, adLength,
            WireFormat.TAG_LENGTH);
        encoded.add(h);
      }
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

  /** A random field's associated data: its header's binding, then its concrete path. */
  static byte[] fieldAd(byte[] binding, int bindingLength, String concretePath) {
    byte[] p = concretePath.getBytes(StandardCharsets.UTF_8);
    byte[] ad = Arrays.copyOf(binding, bindingLength + p.length);
    System.arraycopy(p, 0, ad, bindingLength, p.length);
    return ad;
  }

  private static byte[] fieldAd(byte[] binding, String concretePath) {
    return fieldAd(binding, binding.length, concretePath);
  }
}
