package io.kafkaenvelope.internal.field;

import io.kafkaenvelope.config.EnvelopeConfig;
import io.kafkaenvelope.internal.kek.KekSelector;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;

/**
 * The field-mode settings of one serializer or deserializer, checked at {@code configure()}:
 * which fields are chosen ({@code envelope.fields}, {@code envelope.fields.tags}, the schema
 * annotation) and how each is encrypted ({@code envelope.fields.kek|mode|scope.<tag or
 * pattern>}). A setting keyed by a pattern wins over one keyed by a tag; among tags, the first in
 * {@code envelope.fields.tags} that has the setting.
 */
public final class FieldSettings {

  /** The per-field settings, documented in the configuration reference (names with a suffix). */
  public static final ConfigDef PER_FIELD_DOC = new ConfigDef()
      .define(EnvelopeConfig.FIELDS_KEK_PREFIX + "<tag or pattern>", Type.STRING, null,
          Importance.MEDIUM, "Field mode: the KEK (one id, not a template) under which the "
              + "fields the tag or pattern names are encrypted; default the record's KEK ("
              + EnvelopeConfig.KEK_ID + " or " + EnvelopeConfig.KEK_ID_TEMPLATE + "). Each KEK a "
              + "record uses gets its own data keys (cached and rotated as in record mode) and "
              + "one field header per record, so a team that may use only some KEKs reads only "
              + "those fields (" + EnvelopeConfig.FIELDS_UNREADABLE + "). Deserializer: the KEKs "
              + "named here are accepted as " + EnvelopeConfig.KEK_ALLOWED_IDS + " are.")
      .define(EnvelopeConfig.FIELDS_MODE_PREFIX + "<tag or pattern>", Type.STRING, "random",
          Importance.MEDIUM, "Field mode: 'random' (default): AES-256-GCM under the record's "
              + "data key, bound to the field's path, the record and the topic. "
              + "'deterministic': AES-SIV under a key derived from the KMS per (KEK, scope, "
              + EnvelopeConfig.DETERMINISTIC_EPOCH + "), so equal values give equal ciphertexts "
              + "within the scope (joins, lookups); it reveals which records share a value, so "
              + "never for low-entropy values. A deterministic field is not bound to its record "
              + "or its concrete path (array index, map key), only to its scope.")
      .define(EnvelopeConfig.FIELDS_SCOPE_PREFIX + "<tag or pattern>", Type.STRING, null,
          Importance.LOW, "Field mode, deterministic fields: a scope name; the same value under "
              + "the same KEK gives the same ciphertext in every topic and field sharing the "
              + "name (joins across topics), and such ciphertexts are accepted from any of them. "
              + "Default: the topic, role and pattern (equal values match only within one field "
              + "of one topic). The KEK must be one id (" + EnvelopeConfig.KEK_ID + " or "
              + EnvelopeConfig.FIELDS_KEK_PREFIX + "...). Deserializer: the scope names set "
              + "here are the ones it accepts.");

  /**
   * How one chosen field is encrypted: {@code kekId} {@code null} means the record's KEK,
   * {@code scope} {@code null} the default deterministic scope (topic, role, pattern).
   */
  /** Whether any field may be sealed deterministically (then Tink is needed). */
  public boolean anyDeterministic() {
    return modes.values().stream().anyMatch(v -> v.equalsIgnoreCase("deterministic"));
  }

  public record Choice(String pattern, String kekId, boolean deterministic, String scope)
      implements FieldRule {}

  private record Question(String pattern, boolean annotated, Set<String> tags) {}

  private final Set<String> patterns;
  private final List<String> tags;
  private final Map<String, String> keks;
  private final Map<String, String> modes;
  private final Map<String, String> scopes;
  private final FieldOpener.Unreadable unreadable;
  private final Map<Question, Optional<Choice>> answers = new ConcurrentHashMap<>();
  /** The common question, a field without annotation or tags, by pattern alone. */
  private final Map<String, Optional<Choice>> plainAnswers = new ConcurrentHashMap<>();

  private FieldSettings(EnvelopeConfig config) {
    this.patterns = Collections.unmodifiableSet(new LinkedHashSet<>(config.fieldPatterns()));
    this.tags = config.fieldTags();
    this.keks = config.fieldSettings(EnvelopeConfig.FIELDS_KEK_PREFIX);
    this.modes = config.fieldSettings(EnvelopeConfig.FIELDS_MODE_PREFIX);
    this.scopes = config.fieldSettings(EnvelopeConfig.FIELDS_SCOPE_PREFIX);
    this.unreadable = FieldOpener.Unreadable.valueOf(config.fieldsUnreadable()
        .toUpperCase(Locale.ROOT));
  }

  /**
   * Parses and checks the settings.
   *
   * @throws ConfigException naming the setting that is wrong
   */
  public static FieldSettings of(EnvelopeConfig config) {
    FieldSettings s = new FieldSettings(config);
    s.checkKeys(EnvelopeConfig.FIELDS_KEK_PREFIX, s.keks);
    s.checkKeys(EnvelopeConfig.FIELDS_MODE_PREFIX, s.modes);
    s.checkKeys(EnvelopeConfig.FIELDS_SCOPE_PREFIX, s.scopes);
    for (Map.Entry<String, String> e : s.keks.entrySet()) {
      if (e.getValue().isEmpty() || KekSelector.isTemplate(e.getValue())) {
        throw new ConfigException(EnvelopeConfig.FIELDS_KEK_PREFIX + e.getKey(), e.getValue(),
            "must be one KEK id (templates are for " + EnvelopeConfig.KEK_ID_TEMPLATE + ")");
      }
    }
    for (Map.Entry<String, String> e : s.modes.entrySet()) {
      String v = e.getValue().toLowerCase(Locale.ROOT);
      if (!v.equals("random") && !v.equals("deterministic")) {
        throw new ConfigException(EnvelopeConfig.FIELDS_MODE_PREFIX + e.getKey(), e.getValue(),
            "must be 'random' or 'deterministic'");
      }
    }
    for (Map.Entry<String, String> e : s.scopes.entrySet()) {
      if (e.getValue().isEmpty()) {
        throw new ConfigException(EnvelopeConfig.FIELDS_SCOPE_PREFIX + e.getKey(), "",
            "must not be empty (leave it unset for the default scope)");
      }
      if (s.keks.get(e.getKey()) == null && config.kekId() == null
          && config.kekIdTemplate() != null) {
        throw new ConfigException(EnvelopeConfig.FIELDS_SCOPE_PREFIX + e.getKey(), e.getValue(),
            "topics sharing a scope must share one KEK: set " + EnvelopeConfig.FIELDS_KEK_PREFIX
                + e.getKey() + " (the record's KEK is a template)");
      }
    }
    return s;
  }

  /** Each suffix must be a tag of {@code envelope.fields.tags} or a pattern. */
  private void checkKeys(String prefix, Map<String, String> settings) {
    for (String key : settings.keySet()) {
      if (tags.contains(key)) {
        continue;
      }
      try {
        FieldPaths.checkPattern(key);
      } catch (IllegalArgumentException e) {
        throw new ConfigException(prefix + key, settings.get(key), "'" + key + "' is neither a "
            + "tag listed in " + EnvelopeConfig.FIELDS_TAGS + " nor a field pattern: "
            + e.getMessage());
      }
    }
  }

  /** {@code envelope.fields}, in the order configured. */
  public Set<String> patterns() {
    return patterns;
  }

  /** {@code envelope.fields.unreadable}. */
  public FieldOpener.Unreadable unreadable() {
    return unreadable;
  }

  /** The KEK ids of {@code envelope.fields.kek.*} (a reader accepts them). */
  public Set<String> fieldKekIds() {
    return new TreeSet<>(keks.values());
  }

  /**
   * A KEK named by {@code envelope.fields.kek.<key>}: the setting, and whether the fields of the
   * same key are deterministic ({@code envelope.fields.mode.<key>}), so that its start-up check
   * asks for the use they need.
   */
  public record FieldKek(String setting, String kekId, boolean deterministic) {}

  /** The KEKs of {@code envelope.fields.kek.*}, one per setting, for the start-up check. */
  public List<FieldKek> fieldKeks() {
    List<FieldKek> out = new ArrayList<>(keks.size());
    keks.forEach((key, kekId) -> out.add(new FieldKek(EnvelopeConfig.FIELDS_KEK_PREFIX + key,
        kekId, "deterministic".equalsIgnoreCase(modes.get(key)))));
    return out;
  }

  /** The scope names of {@code envelope.fields.scope.*} (a reader accepts them). */
  public Set<String> scopeNames() {
    return new TreeSet<>(scopes.values());
  }

  /** The answer to {@link FieldSealer#select}, cached. */
  public Choice select(String pattern, boolean annotated, Set<String> fieldTags) {
    if (!annotated && (fieldTags == null || fieldTags.isEmpty())) {
      Optional<Choice> a = plainAnswers.get(pattern);
      if (a == null) {
        a = plainAnswers.computeIfAbsent(pattern,
            p -> Optional.ofNullable(decide(new Question(p, false, Set.of()))));
      }
      return a.orElse(null);
    }
    Set<String> t = fieldTags == null ? Set.of() : fieldTags;
    return answers.computeIfAbsent(new Question(pattern, annotated, Set.copyOf(t)),
        q -> Optional.ofNullable(decide(q))).orElse(null);
  }

  private Choice decide(Question q) {
    boolean chosen = q.annotated() || patterns.contains(q.pattern());
    for (String tag : tags) {
      chosen |= q.tags().contains(tag);
    }
    if (!chosen) {
      return null;
    }
    String kek = setting(keks, q);
    String mode = setting(modes, q);
    return new Choice(q.pattern(), kek,
        mode != null && mode.equalsIgnoreCase("deterministic"), setting(scopes, q));
  }

  /** The pattern's setting, else the first configured tag's of the field. */
  private String setting(Map<String, String> settings, Question q) {
    String v = settings.get(q.pattern());
    if (v != null) {
      return v;
    }
    for (String tag : tags) {
      if (q.tags().contains(tag) && settings.containsKey(tag)) {
        return settings.get(tag);
      }
    }
    return null;
  }
}
