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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.avro.JsonProperties;
import org.apache.avro.Schema;

/**
 * Derives the on-the-wire schema of a writer schema: every position {@link Selector} chooses
 * becomes {@code bytes} marked with its original schema ({@link Markers#sealedType}); records,
 * arrays, maps and unions around it are rebuilt with the same names, docs, aliases, properties
 * and (adapted) defaults. The result depends only on the schema and the selection, so producers
 * and a registry-less consumer with the same settings derive the same schema.
 */
final class SchemaDerivation {

  /** Which positions to encrypt: a field by pattern, annotation and tags; elements by pattern. */
  @FunctionalInterface
  interface Selector {
    boolean selected(String pattern, boolean annotated, Set<String> tags);
  }

  /** A derived schema and the tree of its differences ({@code null}: nothing encrypted). */
  record Result(Schema derived, Rec tree) {}

  /** Thrown for a schema field mode cannot derive; the message names the cause, never values. */
  static final class Unsupported extends RuntimeException {
    Unsupported(String message) {
      super(message);
    }
  }

  private final Selector selector;
  private final Map<String, Schema> named = new HashMap<>();
  private final Set<String> inProgress = new HashSet<>();
  private final Set<String> assumedUnchanged = new HashSet<>();

  private SchemaDerivation(Selector selector) {
    this.selector = selector;
  }

  /** Derives the schema of records of {@code writer} (a record schema). */
  static Result derive(Schema writer, Selector selector) {
    if (writer.getType() != Schema.Type.RECORD) {
      throw new Unsupported("field-level encryption needs a record schema, not "
          + writer.getType());
    }
    Rec tree = new SchemaDerivation(selector).record(writer, "");
    return new Result(tree == null ? writer : tree.derived(), tree);
  }

  private Rec record(Schema rec, String prefix) {
    String name = rec.getFullName();
    if (inProgress.contains(name)) {
      assumedUnchanged.add(name); // recursion: checked when the outer derivation finishes
      return null;
    }
    inProgress.add(name);
    List<Schema.Field> fields = rec.getFields();
    Node[] nodes = new Node[fields.size()];
    boolean changed = false;
    for (Schema.Field f : fields) {
      String p = prefix.isEmpty() ? f.name() : prefix + "." + f.name();
      boolean annotated = Markers.annotated(f);
      Set<String> tags = Markers.tags(f);
      Node n = selector.selected(p, annotated, tags)
          ? new Sealed(p, annotated, tags, f.schema(), Markers.sealedType(f.schema()))
          : value(f.schema(), p);
      nodes[f.pos()] = n;
      changed |= n != null;
    }
    inProgress.remove(name);
    if (changed && assumedUnchanged.contains(name)) {
      throw new Unsupported("record type " + name + " is recursive and has encrypted fields; "
          + "field-level encryption does not support that");
    }
    Schema derived = changed ? derivedRecord(rec, nodes) : rec;
    Schema before = named.putIfAbsent(name, derived);
    if (before != null && !before.equals(derived)) {
      throw new Unsupported("record type " + name + " is used at several places with different "
          + "fields encrypted (at " + (prefix.isEmpty() ? "the top" : prefix) + "); Avro allows "
          + "one definition per name: encrypt the same fields at every place");
    }
    if (before != null) {
      derived = before;
    }
    return changed ? new Rec(rec, derived, nodes) : null;
  }

  private Node value(Schema s, String p) {
    switch (s.getType()) {
      case RECORD:
        return record(s, p);
      case ARRAY: {
        Node e = element(s.getElementType(), p + "[]");
        return e == null ? null : new Arr(s, copyProps(s, Schema.createArray(e.derived())), e);
      }
      case MAP: {
        Node v = element(s.getValueType(), p + "[]");
        return v == null ? null : new MapOf(s, copyProps(s, Schema.createMap(v.derived())), v);
      }
      case UNION: {
        List<Schema> types = s.getTypes();
        Node[] branches = new Node[types.size()];
        List<Schema> derived = new ArrayList<>(types.size());
        boolean changed = false;
        for (int i = 0; i < types.size(); i++) {
          branches[i] = value(types.get(i), p); // unions are transparent in paths
          changed |= branches[i] != null;
          derived.add(branches[i] == null ? types.get(i) : branches[i].derived());
        }
        return changed ? new Union(s, Schema.createUnion(derived), branches) : null;
      }
      default:
        return null;
    }
  }

  private Node element(Schema s, String p) {
    return selector.selected(p, false, Set.of())
        ? new Sealed(p, false, Set.of(), s, Markers.sealedType(s))
        : value(s, p);
  }

  private static Schema copyProps(Schema from, Schema to) {
    from.getObjectProps().forEach(to::addProp);
    return to;
  }

  private static Schema derivedRecord(Schema rec, Node[] nodes) {
    List<Schema.Field> out = new ArrayList<>();
    for (Schema.Field f : rec.getFields()) {
      Node n = nodes[f.pos()];
      if (n == null) {
        out.add(new Schema.Field(f, f.schema()));
        continue;
      }
      Object def = null;
      boolean defaultChanged = false;
      if (f.hasDefaultValue()) {
        def = derivedDefault(n, f.defaultVal());
        defaultChanged = !sameDefault(def, f.defaultVal());
      }
      Schema.Field nf = new Schema.Field(f.name(), n.derived(), f.doc(), def, f.order());
      f.aliases().forEach(nf::addAlias);
      f.getObjectProps().forEach(nf::addProp);
      if (defaultChanged) {
        // Why: a reader rebuilds the original field, default included, from the derived schema.
        nf.addProp(Markers.DEFAULT, f.defaultVal());
      }
      out.add(nf);
    }
    Schema d = Schema.createRecord(rec.getName(), rec.getDoc(), rec.getNamespace(), rec.isError(),
        out);
    rec.getAliases().forEach(d::addAlias);
    rec.getObjectProps().forEach(d::addProp);
    return d;
  }

  private static boolean sameDefault(Object a, Object b) {
    return a == b || (a != null && a.equals(b));
  }

  /**
   * The default of a derived position given the original one. An encrypted position's default
   * is null when its derived type starts with null, else the empty byte string (never a valid
   * ciphertext: a record that gets it by schema resolution is refused, not read as data).
   */
  @SuppressWarnings("unchecked")
  static Object derivedDefault(Node n, Object def) {
    if (n == null) {
      return def;
    }
    if (n instanceof Sealed) {
      Schema d = n.derived();
      boolean nullFirst = d.getType() == Schema.Type.UNION
          && d.getTypes().get(0).getType() == Schema.Type.NULL;
      return nullFirst ? JsonProperties.NULL_VALUE : "";
    }
    if (n instanceof Rec r && def instanceof Map<?, ?> m) {
      Map<String, Object> out = new LinkedHashMap<>();
      for (Schema.Field f : r.original().getFields()) {
        if (m.containsKey(f.name())) {
          out.put(f.name(), derivedDefault(r.fields()[f.pos()], m.get(f.name())));
        }
      }
      return out;
    }
    if (n instanceof Arr a && def instanceof List<?> l) {
      List<Object> out = new ArrayList<>(l.size());
      l.forEach(e -> out.add(derivedDefault(a.element(), e)));
      return out;
    }
    if (n instanceof MapOf mo && def instanceof Map<?, ?> m) {
      Map<Object, Object> out = new LinkedHashMap<>();
      ((Map<Object, Object>) m).forEach((k, v) -> out.put(k, derivedDefault(mo.value(), v)));
      return out;
    }
    if (n instanceof Union u) {
      return derivedDefault(u.branches()[0], def); // a union's default is of its first branch
    }
    return def;
  }
}
