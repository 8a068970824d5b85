package io.kafkaenvelope.avro.internal;

import io.kafkaenvelope.avro.internal.FieldTree.Arr;
import io.kafkaenvelope.avro.internal.FieldTree.MapOf;
import io.kafkaenvelope.avro.internal.FieldTree.Node;
import io.kafkaenvelope.avro.internal.FieldTree.Rec;
import io.kafkaenvelope.avro.internal.FieldTree.Sealed;
import io.kafkaenvelope.avro.internal.FieldTree.Union;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;

/**
 * The reverse of {@link SchemaDerivation}, from the derived schema alone: every {@code bytes}
 * marked {@link Markers#SEALED} becomes the schema its marker records (a union holding such a
 * branch becomes the recorded union), and every record around one gets back its original fields
 * and defaults ({@link Markers#DEFAULT}). Positions whose pattern is in {@code keep} stay
 * ciphertext (the {@code keep} reader mode for fields this reader may not open).
 */
final class SchemaRebuild {

  /** The rebuilt schema and the tree ({@code null} when nothing in the schema is encrypted). */
  record Result(Schema original, Rec tree) {}

  private final Set<String> keep;
  private final Map<String, Schema> named = new HashMap<>();
  private final Set<String> inProgress = new HashSet<>();

  private SchemaRebuild(Set<String> keep) {
    this.keep = keep;
  }

  /**
   * Rebuilds the writer schema of {@code derived}.
   *
   * @throws SchemaDerivation.Unsupported if a marker is not a schema
   */
  static Result rebuild(Schema derived, Set<String> keep) {
    if (derived.getType() != Schema.Type.RECORD) {
      return new Result(derived, null);
    }
    Rec tree = new SchemaRebuild(keep).record(derived, "");
    return new Result(tree == null ? derived : tree.original(), tree);
  }

  private Rec record(Schema rec, String prefix) {
    String name = rec.getFullName();
    if (inProgress.contains(name)) {
      return null; // recursive types never carry encrypted fields (the producer refuses them)
    }
    inProgress.add(name);
    List<Schema.Field> fields = rec.getFields();
    Node[] nodes = new Node[fields.size()];
    boolean changed = false;
    for (Schema.Field f : fields) {
      String p = prefix.isEmpty() ? f.name() : prefix + "." + f.name();
      Node n = position(f.schema(), p, true);
      nodes[f.pos()] = n;
      changed |= n != null;
    }
    inProgress.remove(name);
    Schema original = changed ? originalRecord(rec, nodes) : rec;
    Schema before = named.putIfAbsent(name, original);
    if (before != null) {
      original = before;
    }
    return changed ? new Rec(original, rec, nodes) : null;
  }

  /** A field's type ({@code field}) or an element's: sealed, or a container of sealed ones. */
  private Node position(Schema s, String p, boolean field) {
    String marker = Markers.sealedMarker(s);
    if (marker != null) {
      if (keep.contains(p)) {
        return null;
      }
      Schema original = parse(marker, p);
      return new Sealed(p, false, Set.of(), original, s);
    }
    switch (s.getType()) {
      case RECORD:
        return record(s, p);
      case ARRAY: {
        Node e = position(s.getElementType(), p + "[]", false);
        return e == null ? null : new Arr(copyProps(s, Schema.createArray(e.original())), s, e);
      }
      case MAP: {
        Node v = position(s.getValueType(), p + "[]", false);
        return v == null ? null : new MapOf(copyProps(s, Schema.createMap(v.original())), s, v);
      }
      case UNION: {
        List<Schema> types = s.getTypes();
        Node[] branches = new Node[types.size()];
        List<Schema> original = new ArrayList<>(types.size());
        boolean changed = false;
        for (int i = 0; i < types.size(); i++) {
          branches[i] = position(types.get(i), p, field);
          changed |= branches[i] != null;
          original.add(branches[i] == null ? types.get(i) : branches[i].original());
        }
        return changed ? new Union(Schema.createUnion(original), s, branches) : null;
      }
      default:
        return null;
    }
  }

  private static Schema parse(String marker, String pattern) {
    try {
      return new Schema.Parser().parse(marker);
    } catch (AvroRuntimeException e) {
      throw new SchemaDerivation.Unsupported("the derived schema's " + Markers.SEALED
          + " property at " + pattern + " is not an Avro schema");
    }
  }

  private static Schema copyProps(Schema from, Schema to) {
    from.getObjectProps().forEach(to::addProp);
    return to;
  }

  private static Schema originalRecord(Schema rec, Node[] nodes) {
    List<Schema.Field> out = new ArrayList<>();
    for (Schema.Field f : rec.getFields()) {
      Node n = nodes[f.pos()];
      if (n == null) {
        out.add(new Schema.Field(f, f.schema()));
        continue;
      }
      Object originalDefault = f.getObjectProp(Markers.DEFAULT);
      if (originalDefault == null) {
        // the default (if any) did not change: copied as it is, with props and aliases
        out.add(new Schema.Field(f, n.original()));
        continue;
      }
      Schema.Field nf = new Schema.Field(f.name(), n.original(), f.doc(), originalDefault,
          f.order());
      f.aliases().forEach(nf::addAlias);
      f.getObjectProps().forEach((k, v) -> {
        if (!Markers.DEFAULT.equals(k)) {
          nf.addProp(k, v);
        }
      });
      out.add(nf);
    }
    Schema d = Schema.createRecord(rec.getName(), rec.getDoc(), rec.getNamespace(), rec.isError(),
        out);
    rec.getAliases().forEach(d::addAlias);
    rec.getObjectProps().forEach(d::addProp);
    return d;
  }
}
