package io.kafkaenvelope.serde;

import io.kafkaenvelope.config.EnvelopeConfig;
import io.kafkaenvelope.internal.crypto.AesGcm;
import io.kafkaenvelope.internal.crypto.TinkCheck;
import io.kafkaenvelope.internal.field.FieldFormat;
import io.kafkaenvelope.internal.field.FieldOpener;
import io.kafkaenvelope.internal.field.FieldPaths;
import io.kafkaenvelope.internal.field.FieldSettings;
import io.kafkaenvelope.internal.wire.DeterministicHeader;
import io.kafkaenvelope.internal.wire.FieldHeader;
import io.kafkaenvelope.internal.wire.InlineFrame;
import io.kafkaenvelope.internal.wire.MalformedEnvelopeException;
import io.kafkaenvelope.internal.wire.Role;
import io.kafkaenvelope.internal.wire.UnsupportedVersionException;
import io.kafkaenvelope.internal.wire.WireFormat;
import io.kafkaenvelope.serde.EnvelopeException.Reason;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.crypto.spec.SecretKeySpec;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * The consumer side of field mode, one per deserializer, on its {@link RecordDecryptor}'s key
 * cache, KEK policy and provenance rule. Per record, before the inner deserializer runs: every
 * field header is parsed and checked (index, count, role, topic, no path twice), then the KEK
 * policy is asked about each header's KEK, all before any KMS call; a KEK the reader may not use
 * fails the record ({@code envelope.fields.unreadable=fail}) or makes its fields unreadable;
 * the others' data keys are unwrapped (cached) and each header's tag is checked, so an edited
 * path list fails before the format sees it. Then the format opens field by field, and every
 * listed path must have been opened. Thread-safe; an {@link Opener} serves one call.
 */
final class FieldDecryptor {

  private final RecordDecryptor keys;
  private final Role role;
  private final FieldSettings settings;
  /** {@code null} when Tink is missing: deterministic fields are then refused. */
  private final DeterministicDecryptor deterministic;

  FieldDecryptor(RecordDecryptor keys, FieldSettings settings,
      DeterministicDecryptor deterministic) {
    this.keys = keys;
    this.role = keys.role();
    this.settings = settings;
    this.deterministic = deterministic;
  }

  /** Whether the record carries field headers of this role. */
  boolean hasFieldHeaders(Headers headers) {
    if (headers == null) {
      return false;
    }
    Header h = headers.lastHeader(role.fieldsHeaderName());
    return h != null;
  }

  /**
   * Decodes {@code data} with {@code inner} and opens its fields through {@code format}; {@code
   * format} {@code null} (a deserializer without a format) refuses the record.
   */
  @SuppressWarnings("rawtypes")
  Object deserialize(String topic, Headers headers, byte[] data, FieldFormat format,
      Deserializer inner) {
    try {
      if (format == null) {
        throw keys.error(Reason.MISCONFIGURED, topic, null, null, "the record's fields were "
            + "encrypted one by one (header '" + role.fieldsHeaderName() + "', "
            + EnvelopeConfig.MODE + "=field); read it with the field-level deserializer of its "
            + "format (serde-avro, serde-json; see docs/serdes.md)");
      }
      Opener opener = open(topic, headers);
      Object decoded = inner.deserialize(topic, headers, data);
      Object result = decoded == null ? null : format.open(topic, decoded, opener);
      if (decoded != null) {
        opener.checkAllOpened();
      }
      keys.events().processed(opener.openedBytes);
      return result;
    } catch (EnvelopeException e) {
      keys.events().failed(e);
      throw e;
    }
  }

  /** One field header as read, with its key once unwrapped and checked. */
  private static final class Parsed {
    final FieldHeader header;
    /** {@code null}: this reader may not read the header's KEK (unreadable fields). */
    SecretKeySpec key;

    Parsed(FieldHeader header) {
      this.header = header;
    }
  }

  /** Parses and checks the record's field headers and unwraps the keys this reader may use. */
  Opener open(String topic, Headers headers) {
    List<Parsed> parsed = new ArrayList<>(2);
    Set<String> keks = new HashSet<>();
    Map<String, Parsed> byPath = new HashMap<>();
    List<String> paths = new ArrayList<>();
    for (Header h : headers.headers(role.fieldsHeaderName())) {
      if (h.value() == null) {
        throw keys.error(Reason.MALFORMED, topic, null, null, "an empty field header");
      }
      FieldHeader fh;
      try {
        fh = FieldHeader.parse(h.value());
      } catch (UnsupportedVersionException e) {
        throw keys.error(Reason.UNSUPPORTED_VERSION, topic, null, null, e.getMessage());
      } catch (MalformedEnvelopeException e) {
        throw keys.error(Reason.MALFORMED, topic, null, null, e.getMessage());
      }
      String kekId = fh.kekId();
      String dekId = fh.dekIdHex();
      if (fh.index() != parsed.size()) {
        throw keys.error(Reason.TAMPERED, topic, kekId, dekId, "field header " + parsed.size()
            + " says it is number " + fh.index() + ": field headers were reordered, dropped or "
            + "added");
      }
      if (fh.role() != role) {
        throw keys.error(Reason.TAMPERED, topic, kekId, dekId, "the field header was made for "
            + "the record " + fh.role() + ", not the " + role);
      }
      if (!keys.provenanceAllows(fh.topic(), topic)) {
        throw keys.topicMismatch(topic, fh.topic(), kekId, dekId);
      }
      if (!keks.add(kekId)) {
        throw keys.error(Reason.MALFORMED, topic, kekId, dekId, "two field headers name the "
            + "same KEK");
      }
      Parsed p = new Parsed(fh);
      for (String path : fh.paths()) {
        try {
          FieldPaths.patternOf(path);
        } catch (IllegalArgumentException e) {
          throw keys.error(Reason.MALFORMED, topic, kekId, dekId, "a field header lists a "
              + "malformed path (" + e.getMessage() + ")");
        }
        if (byPath.put(path, p) != null) {
          throw keys.error(Reason.MALFORMED, topic, kekId, dekId, "a field is listed twice in "
              + "the field headers");
        }
        paths.add(path);
      }
      parsed.add(p);
    }
    int count = parsed.size();
    for (Parsed p : parsed) {
      if (p.header.count() != count) {
        throw keys.error(Reason.TAMPERED, topic, p.header.kekId(), p.header.dekIdHex(),
            "the record has " + count + " field headers, its field header says "
                + p.header.count() + ": field headers were dropped or added");
      }
    }
    // The KEK policy for every header before any KMS call.
    List<Parsed> readable = new ArrayList<>(count);
    for (Parsed p : parsed) {
      FieldHeader fh = p.header;
      if (keys.allowsKek(topic, fh.topic(), headers, fh.kekId(), fh.dekIdHex())) {
        readable.add(p);
      } else if (settings.unreadable() == FieldOpener.Unreadable.FAIL) {
        throw keys.kekNotAllowed(topic, fh.topic(), fh.kekId(), fh.dekIdHex());
      }
    }
    for (Parsed p : readable) {
      FieldHeader fh = p.header;
      SecretKeySpec key;
      try {
        key = keys.dataKey(topic, fh.kekId(), fh.wrappedDek(), fh.dekIdHex());
      } catch (EnvelopeException e) {
        if (e.reason() == Reason.ACCESS_DENIED
            && settings.unreadable() != FieldOpener.Unreadable.FAIL) {
          continue; // the KMS does not let this reader use the KEK: its fields are unreadable
        }
        throw e;
      }
      byte[] enc = fh.encodedUnsafe();
      int adLength = enc.length - WireFormat.TAG_LENGTH;
      byte[] nonceAndTag = new byte[WireFormat.NONCE_LENGTH + WireFormat.TAG_LENGTH];
      System.arraycopy(enc, FieldHeader.recordNonceOffset(), nonceAndTag, 0,
          WireFormat.NONCE_LENGTH);
      System.arraycopy(enc, adLength, nonceAndTag, WireFormat.NONCE_LENGTH,
          WireFormat.TAG_LENGTH);
      try {
        AesGcm.open(key, enc, 0, adLength, nonceAndTag, 0, 0);
      } catch (GeneralSecurityException e) {
        EnvelopeException failure = keys.error(Reason.TAMPERED, topic, fh.kekId(),
            fh.dekIdHex(), "authentication failed: the field header was modified");
        failure.afterKms = true;
        throw failure;
      }
      p.key = key;
    }
    return new Opener(topic, byPath, Collections.unmodifiableList(paths));
  }

  /** One record's {@link FieldOpener}. */
  final class Opener implements FieldOpener {

    private final String topic;
    private final Map<String, Parsed> byPath;
    private final List<String> paths;
    private final Set<String> opened = new HashSet<>();
    /** The decrypted fields' bytes (their encodings), for the metrics. */
    int openedBytes;

    Opener(String topic, Map<String, Parsed> byPath, List<String> paths) {
      this.topic = topic;
      this.byPath = byPath;
      this.paths = paths;
    }

    @Override
    public List<String> sealedPaths() {
      return paths;
    }

    @Override
    public byte[] open(String concretePath, byte[] ciphertext) {
      Parsed p = byPath.get(concretePath);
      if (p == null) {
        throw malformed("the format opened a field the field headers do not list");
      }
      FieldHeader fh = p.header;
      if (!opened.add(concretePath)) {
        throw malformed("the format opened the field '" + FieldPaths.patternOf(concretePath)
            + "' twice");
      }
      if (p.key == null) {
        if (settings.unreadable() == Unreadable.FAIL) { // only after an ACCESS_DENIED race
          throw keys.kekNotAllowed(topic, fh.topic(), fh.kekId(), fh.dekIdHex());
        }
        return null;
      }
      byte[] plain = openReadable(fh, p.key, concretePath, ciphertext);
      openedBytes += plain.length;
      return plain;
    }

    private byte[] openReadable(FieldHeader fh, SecretKeySpec key, String concretePath,
        byte[] ciphertext) {
      if (ciphertext != null && ciphertext.length > 0
          && ciphertext[0] == WireFormat.VERSION_5) {
        return openRandom(fh, key, concretePath, ciphertext);
      }
      if (ciphertext != null && InlineFrame.isInline(ciphertext)
          && DeterministicHeader.isDeterministic(ciphertext)) {
        int len;
        try {
          len = InlineFrame.headerLength(ciphertext);
        } catch (MalformedEnvelopeException e) {
          throw keys.error(Reason.MALFORMED, topic, fh.kekId(), null, e.getMessage());
        }
        if (deterministic == null) {
          throw keys.error(Reason.MISCONFIGURED, topic, fh.kekId(), null, TinkCheck.missing(
              "a deterministic field (format version 4)"));
        }
        return deterministic.open(topic, ciphertext, len, FieldPaths.patternOf(concretePath),
            fh.kekId());
      }
      throw keys.error(Reason.MALFORMED, topic, fh.kekId(), fh.dekIdHex(), "the field '"
          + FieldPaths.patternOf(concretePath) + "' does not hold a field ciphertext");
    }

    private byte[] openRandom(FieldHeader fh, SecretKeySpec key, String path, byte[] ct) {
      if (ct.length < WireFormat.FIELD_PREFIX + WireFormat.NONCE_LENGTH + WireFormat.TAG_LENGTH) {
        throw keys.error(Reason.MALFORMED, topic, fh.kekId(), fh.dekIdHex(), "the field '"
            + FieldPaths.patternOf(path) + "' is shorter than a field ciphertext");
      }
      if ((ct[1] & 0xFF) != fh.index()) {
        throw keys.error(Reason.TAMPERED, topic, fh.kekId(), fh.dekIdHex(), "the field '"
            + FieldPaths.patternOf(path) + "' was sealed under another field header");
      }
      byte[] ad = FieldEncryptor.fieldAd(fh.encodedUnsafe(), fh.bindingLength(), path);
      try {
        return AesGcm.open(key, ad, 0, ad.length, ct, 0, WireFormat.FIELD_PREFIX);
      } catch (GeneralSecurityException e) {
        EnvelopeException failure = keys.error(Reason.TAMPERED, topic, fh.kekId(),
            fh.dekIdHex(), "authentication failed: the field '" + FieldPaths.patternOf(path)
                + "' was modified, or moved from another field, record or topic");
        failure.afterKms = true;
        throw failure;
      }
    }

    @Override
    public Unreadable unreadable() {
      return settings.unreadable();
    }

    @Override
    public RuntimeException malformed(String detail) {
      return keys.error(Reason.MALFORMED, topic, null, null, detail);
    }

    /** Every listed path must have been opened: the format found each sealed field. */
    void checkAllOpened() {
      if (opened.size() == paths.size()) {
        return;
      }
      for (String path : paths) {
        if (!opened.contains(path)) {
          throw malformed("the field headers list the field '" + FieldPaths.patternOf(path)
              + "' but the record does not hold it");
        }
      }
    }
  }
}
