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
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReferenceArray;
import javax.crypto.spec.SecretKeySpec;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * The consumer side of field mode, one per deserializer, on its {@link RecordDecryptor}'s key
 * cache, KEK policy and provenance rule. Per record, before the inner deserializer runs: every
 * field header is parsed and checked (index, count, role, topic, no path twice), then the KEK
 * policy is asked about each header's KEK, all before any KMS call; a KEK the reader may not use
 * fails the record ({@code envelope.fields.unreadable=fail}) or makes its fields unreadable; the
 * others' data keys are unwrapped (cached). Then the format collects every listed field and
 * makes one {@link Opener#open} call: per readable header, one AES-GCM call over the header and
 * the lengths list (associated data) and the concatenation of its random fields checks them all
 * together (so a path list, a field, or bytes moved between fields that was changed fails), and
 * only then are the fields split and the deterministic ones opened. Thread-safe; an {@link
 * Opener} serves one call.
 */
final class FieldDecryptor {

  private final RecordDecryptor keys;
  private final Role role;
  private final FieldSettings settings;
  /** {@code null} when Tink is missing: deterministic fields are then refused. */
  private final DeterministicDecryptor deterministic;
  /**
   * The field header last read at each index (0 to 7) whose paths were checked: the next record
   * of the same producer and data key differs from it only in nonce and tag, and then reuses its
   * parsed parts ({@link FieldHeader#parse(byte[], FieldHeader)}) and skips the path checks.
   */
  private final AtomicReferenceArray<FieldHeader> recent = new AtomicReferenceArray<>(8);

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
        opener.checkOpened();
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

  /**
   * Parses and checks the record's field headers and unwraps the keys this reader may use (the
   * headers' tags are checked by {@link Opener#open}, with the fields).
   */
  Opener open(String topic, Headers headers) {
    List<Parsed> parsed = new ArrayList<>(2);
    Set<String> keks = new HashSet<>();
    Map<String, Parsed> byPath = new HashMap<>();
    List<String> paths = new ArrayList<>();
    for (Header h : headers.headers(role.fieldsHeaderName())) {
      if (h.value() == null) {
        throw keys.error(Reason.MALFORMED, topic, null, null, "an empty field header");
      }
      int at = parsed.size();
      FieldHeader previous = at < recent.length() ? recent.get(at) : null;
      FieldHeader fh;
      try {
        fh = FieldHeader.parse(h.value(), previous);
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
      boolean checked = previous != null && fh.paths() == previous.paths();
      for (String path : fh.paths()) {
        if (!checked) {
          try {
            FieldPaths.patternOf(path);
          } catch (IllegalArgumentException e) {
            throw keys.error(Reason.MALFORMED, topic, kekId, dekId, "a field header lists a "
                + "malformed path (" + e.getMessage() + ")");
          }
        }
        if (byPath.put(path, p) != null) {
          throw keys.error(Reason.MALFORMED, topic, kekId, dekId, "a field is listed twice in "
              + "the field headers");
        }
        paths.add(path);
      }
      if (!checked && at < recent.length()) {
        recent.set(at, fh); // its paths are well-formed
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
      p.key = key;
    }
    return new Opener(topic, parsed, byPath, Collections.unmodifiableList(paths));
  }

  /** One record's {@link FieldOpener}. */
  final class Opener implements FieldOpener {

    private final String topic;
    private final List<Parsed> parsed;
    private final Map<String, Parsed> byPath;
    private final List<String> paths;
    private boolean opened;
    /** The decrypted fields' bytes (their encodings), for the metrics. */
    int openedBytes;

    Opener(String topic, List<Parsed> parsed, Map<String, Parsed> byPath, List<String> paths) {
      this.topic = topic;
      this.parsed = parsed;
      this.byPath = byPath;
      this.paths = paths;
    }

    @Override
    public List<String> sealedPaths() {
      return paths;
    }

    @Override
    public Map<String, byte[]> open(Map<String, byte[]> ciphertexts) {
      if (opened) {
        throw malformed("the format opened the record's fields twice");
      }
      opened = true;
      for (String path : ciphertexts.keySet()) {
        if (!byPath.containsKey(path)) {
          throw malformed("the format opened a field the field headers do not list");
        }
      }
      if (ciphertexts.size() != byPath.size()) {
        for (String path : paths) {
          if (!ciphertexts.containsKey(path)) {
            throw malformed("the field headers list the field '" + FieldPaths.patternOf(path)
                + "' but the record does not hold it");
          }
        }
      }
      Map<String, byte[]> out = new HashMap<>(Math.max(4, paths.size() * 2));
      for (Parsed p : parsed) {
        if (p.key != null) {
          openHeader(p, ciphertexts, out);
          continue;
        }
        FieldHeader fh = p.header;
        if (settings.unreadable() == Unreadable.FAIL) { // only after an ACCESS_DENIED race
          throw keys.kekNotAllowed(topic, fh.topic(), fh.kekId(), fh.dekIdHex());
        }
        for (String path : fh.paths()) {
          out.put(path, null);
        }
      }
      return out;
    }

    /**
     * One header: classifies its fields by what they hold, checks the header and all its random
     * fields with one AES-GCM call, then splits the plaintext and opens the deterministic fields.
     */
    private void openHeader(Parsed p, Map<String, byte[]> ciphertexts, Map<String, byte[]> out) {
      FieldHeader fh = p.header;
      List<String> hp = fh.paths();
      int m = hp.size();
      byte[] enc = fh.encodedUnsafe();
      int adLength = enc.length - WireFormat.TAG_LENGTH;
      int[] lengths = new int[m];
      int total = 0;
      for (int i = 0; i < m; i++) {
        String path = hp.get(i);
        byte[] ct = ciphertexts.get(path);
        if (ct != null && ct.length >= WireFormat.FIELD_PREFIX
            && ct[0] == WireFormat.VERSION_5) {
          if ((ct[1] & 0xFF) != fh.index()) {
            throw keys.error(Reason.TAMPERED, topic, fh.kekId(), fh.dekIdHex(), "the field '"
                + FieldPaths.patternOf(path) + "' was sealed under another field header");
          }
          lengths[i] = ct.length - WireFormat.FIELD_PREFIX;
          total += lengths[i];
        } else if (ct != null && InlineFrame.isInline(ct)
            && DeterministicHeader.isDeterministic(ct)) {
          lengths[i] = FieldEncryptor.DETERMINISTIC_LENGTH;
        } else {
          throw keys.error(Reason.MALFORMED, topic, fh.kekId(), fh.dekIdHex(), "the field '"
              + FieldPaths.patternOf(path) + "' does not hold a field ciphertext");
        }
      }
      // associated data: the header before its tag, then the lengths list
      byte[] ad = Arrays.copyOf(enc, adLength + 4 * m);
      FieldEncryptor.putLengths(ad, adLength, lengths, m);
      // nonce | the random fields' slices in path order | the header's tag
      byte[] in = new byte[WireFormat.NONCE_LENGTH + total + WireFormat.TAG_LENGTH];
      System.arraycopy(enc, FieldHeader.recordNonceOffset(), in, 0, WireFormat.NONCE_LENGTH);
      int off = WireFormat.NONCE_LENGTH;
      for (int i = 0; i < m; i++) {
        if (lengths[i] >= 0) {
          System.arraycopy(ciphertexts.get(hp.get(i)), WireFormat.FIELD_PREFIX, in, off,
              lengths[i]);
          off += lengths[i];
        }
      }
      System.arraycopy(enc, adLength, in, off, WireFormat.TAG_LENGTH);
      byte[] plain;
      try {
        plain = AesGcm.open(p.key, ad, 0, ad.length, in, 0, 0);
      } catch (GeneralSecurityException e) {
        EnvelopeException failure = keys.error(Reason.TAMPERED, topic, fh.kekId(),
            fh.dekIdHex(), "authentication failed: the field header or a field under it was "
                + "modified, or a field was moved from another field, record or topic");
        failure.afterKms = true;
        throw failure;
      }
      off = 0;
      for (int i = 0; i < m; i++) {
        String path = hp.get(i);
        byte[] field;
        if (lengths[i] >= 0) {
          field = Arrays.copyOfRange(plain, off, off + lengths[i]);
          off += lengths[i];
        } else {
          field = openDeterministic(fh, path, ciphertexts.get(path));
        }
        openedBytes += field.length;
        out.put(path, field);
      }
    }

    private byte[] openDeterministic(FieldHeader fh, String path, byte[] ciphertext) {
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
      return deterministic.open(topic, ciphertext, len, FieldPaths.patternOf(path),
          fh.kekId());
    }

    @Override
    public Unreadable unreadable() {
      return settings.unreadable();
    }

    @Override
    public RuntimeException malformed(String detail) {
      return keys.error(Reason.MALFORMED, topic, null, null, detail);
    }

    /**
     * The format must have opened the record's fields; a record whose headers list no path may
     * skip that, and then its headers' tags are checked here (empty plaintext).
     */
    void checkOpened() {
      if (opened) {
        return;
      }
      if (!paths.isEmpty()) {
        throw malformed("the field headers list the field '"
            + FieldPaths.patternOf(paths.get(0)) + "' but the format did not open it");
      }
      open(Map.of());
    }
  }
}
