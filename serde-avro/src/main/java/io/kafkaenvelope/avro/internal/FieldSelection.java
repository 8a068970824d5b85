package io.kafkaenvelope.avro.internal;

import io.kafkaenvelope.config.EnvelopeConfig;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.config.ConfigDef;

/**
 * The selection rule of {@code envelope.fields} and {@code envelope.fields.tags} read straight
 * from a configuration, for a consumer that derives schemas itself (registry-less: it must know
 * the fingerprints of the derived schemas producers write). The same rule as the producer's
 * serde-core selection: listed pattern, or our annotation, or a listed tag.
 */
final class FieldSelection implements SchemaDerivation.Selector {

  private static final String FIELDS = EnvelopeConfig.FIELDS;
  private static final String TAGS = EnvelopeConfig.FIELDS_TAGS;

  private final Set<String> patterns;
  private final Set<String> tags;

  FieldSelection(Collection<String> patterns, Collection<String> tags) {
    this.patterns = Set.copyOf(patterns);
    this.tags = Set.copyOf(tags);
  }

  /** From a client configuration (key overrides applied for a key deserializer). */
  static FieldSelection of(Map<String, ?> configs, boolean isKey) {
    Map<String, Object> resolved = EnvelopeConfig.resolveRole(configs, isKey);
    return new FieldSelection(list(resolved.get(FIELDS)), list(resolved.get(TAGS)));
  }

  Set<String> patterns() {
    return patterns;
  }

  @SuppressWarnings("unchecked")
  private static Set<String> list(Object v) {
    Set<String> out = new LinkedHashSet<>();
    if (v != null) {
      for (String s : (List<String>) ConfigDef.parseType(FIELDS, v, ConfigDef.Type.LIST)) {
        if (!s.isBlank()) {
          out.add(s.trim());
        }
      }
    }
    return out;
  }

  @Override
  public boolean selected(String pattern, boolean annotated, Set<String> fieldTags) {
    if (annotated || patterns.contains(pattern)) {
      return true;
    }
    for (String t : fieldTags) {
      if (tags.contains(t)) {
        return true;
      }
    }
    return false;
  }
}
