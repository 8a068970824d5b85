package io.kafkaenvelope.avro.internal;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;

/**
 * For the registry-less deserializer: the derived schemas producers with field-level encryption
 * write for the writer schemas a consumer knows, so their fingerprints are recognized.
 */
public final class FieldSchemas {

  private FieldSchemas() {}

  /** A derived schema and the writer schema it was derived from. */
  public record Derived(Schema derived, Schema writer) {}

  /**
   * The derived schemas of {@code writers} under the selection in {@code configs} ({@code
   * envelope.fields}, {@code envelope.fields.tags}) and the schemas' own annotations; a schema
   * with nothing selected has none. Schemas field mode cannot derive are skipped (a producer
   * refuses them).
   */
  public static List<Derived> derived(Map<String, ?> configs, boolean isKey,
      Collection<Schema> writers) {
    FieldSelection selection = FieldSelection.of(configs, isKey);
    List<Derived> out = new ArrayList<>();
    for (Schema w : writers) {
      if (w.getType() != Schema.Type.RECORD) {
        continue;
      }
      try {
        SchemaDerivation.Result r = SchemaDerivation.derive(w, selection);
        if (r.tree() != null) {
          out.add(new Derived(r.derived(), w));
        }
      } catch (SchemaDerivation.Unsupported e) {
        // nothing to recognize: no producer writes records of this schema in field mode
      }
    }
    return out;
  }
}
