package io.kafkaenvelope.avro.internal;

import io.kafkaenvelope.avro.internal.FieldTree.Arr;
import io.kafkaenvelope.avro.internal.FieldTree.MapOf;
import io.kafkaenvelope.avro.internal.FieldTree.Node;
import io.kafkaenvelope.avro.internal.FieldTree.Rec;
import io.kafkaenvelope.avro.internal.FieldTree.Sealed;
import io.kafkaenvelope.avro.internal.FieldTree.Union;
import io.kafkaenvelope.config.EnvelopeConfig;
import io.kafkaenvelope.internal.field.FieldFormat;
import io.kafkaenvelope.internal.field.FieldOpener;
import io.kafkaenvelope.internal.field.FieldPaths;
import io.kafkaenvelope.internal.field.FieldRule;
import io.kafkaenvelope.internal.field.FieldSealer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiFunction;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericContainer;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.IndexedRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DatumReader;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.config.ConfigException;

/**
 * Field-level encryption of Avro records ({@link FieldFormat}): GenericRecord and SpecificRecord
 * in, a GenericRecord of the derived schema out (what the inner Avro serializer writes); and back:
 * a derived record from the inner deserializer to a record of the original writer schema, then
 * resolved to the configured reader schema or SpecificRecord class. Plans are cached per schema.
 * Thread-safe.
 */
public final class AvroFieldFormat implements FieldFormat {

  private static final String FIELDS = EnvelopeConfig.FIELDS;
  private static final String UNREADABLE = EnvelopeConfig.FIELDS_UNREADABLE;

  private final BiFunction<Map<String, ?>, Boolean, ReaderTarget> targetOf;
  private final ConcurrentHashMap<Schema, SchemaDerivation.Result> sealPlans =
      new ConcurrentHashMap<>();
  private final ConcurrentHashMap<Schema, SchemaRebuild.Result> openPlans =
      new ConcurrentHashMap<>();
  private final ConcurrentHashMap<KeepKey, SchemaRebuild.Result> keepPlans =
      new ConcurrentHashMap<>();
  private final ConcurrentHashMap<Schema, DatumReader<Object>> resolvers =
      new ConcurrentHashMap<>();
  private volatile ReaderTarget target = ReaderTarget.WRITER;

  /** The derived schema and the patterns left as ciphertext ({@code keep} mode). */
  private record KeepKey(Schema derived, Set<String> kept) {}

  /**
   * {@code targetOf} reads the reader schema / specific class from the configuration ({@code
   * envelope.avro.*}); it may throw {@link ConfigException}.
   */
  public AvroFieldFormat(BiFunction<Map<String, ?>, Boolean, ReaderTarget> targetOf) {
    this.targetOf = targetOf;
  }

  @Override
  public String name() {
    return "Avro";
  }

  @Override
  public void configure(Map<String, ?> configs, boolean isKey, Set<String> configuredPatterns) {
    ReaderTarget t = targetOf.apply(configs, isKey);
    target = t == null ? ReaderTarget.WRITER : t;
    if (target.specific() != null) {
      SpecificTrust.trustGeneratedPackage(target.specific());
    }
    if (!target.known().isEmpty() && configuredPatterns != null) {
      // each pattern must be in one of the schemas the configuration names (a reader may know
      // old writer schemas with fields its reader schema dropped)
      List<String> missing = new java.util.ArrayList<>(configuredPatterns);
      for (Schema known : target.known()) {
        missing.retainAll(PatternCheck.missing(known, missing));
      }
      if (!missing.isEmpty()) {
        throw new ConfigException(FIELDS, String.join(",", configuredPatterns),
            missingMessage(missing, target.known().get(0)));
      }
    }
    sealPlans.clear();
    openPlans.clear();
    keepPlans.clear();
    resolvers.clear();
  }

  private static String missingMessage(List<String> missing, Schema schema) {
    return FIELDS + " names " + missing + ", which Avro schema " + schema.getFullName()
        + " does not have (patterns: field names joined by '.', [] for array elements and map "
        + "values, e.g. lines[].address)";
  }

  // ---------------------------------------------------------------- producer

  @Override
  public Object seal(String topic, Object record, FieldSealer sealer) {
    if (record == null) {
      return null;
    }
    if (!(record instanceof IndexedRecord rec)) {
      throw sealer.configError("Avro field-level encryption takes a GenericRecord or a "
          + "SpecificRecord, not " + record.getClass().getName());
    }
    Schema writer = rec.getSchema();
    SchemaDerivation.Result plan = sealPlans.get(writer);
    if (plan == null) {
      plan = plan(writer, sealer);
      sealPlans.putIfAbsent(writer, plan);
    }
    if (plan.tree() == null) {
      return record; // nothing to encrypt in this schema: written as it is
    }
    IndexedRecord generic = record instanceof SpecificRecord ? toGeneric(rec) : rec;
    return sealRecord(plan.tree(), generic, "", sealer);
  }

  private static SchemaDerivation.Result plan(Schema writer, FieldSealer sealer) {
    if (writer.getType() != Schema.Type.RECORD) {
      throw sealer.configError("Avro field-level encryption needs a record, not "
          + writer.getType());
    }
    List<String> missing = PatternCheck.missing(writer, sealer.configuredPatterns());
    if (!missing.isEmpty()) {
      throw sealer.configError(missingMessage(missing, writer));
    }
    try {
      return SchemaDerivation.derive(writer, (p, a, t) -> sealer.select(p, a, t) != null);
    } catch (SchemaDerivation.Unsupported | AvroRuntimeException e) {
      throw sealer.configError("cannot derive the encrypted schema of " + writer.getFullName()
          + ": " + e.getMessage());
    }
  }

  /** A SpecificRecord as a GenericRecord of the same schema (raw values, as Avro decodes). */
  private static IndexedRecord toGeneric(IndexedRecord specific) {
    Schema s = specific.getSchema();
    try {
      ByteArrayOutputStream out = new ByteArrayOutputStream(256);
      BinaryEncoder enc = EncoderFactory.get().directBinaryEncoder(out, null);
      new SpecificDatumWriter<Object>(s, SpecificData.getForClass(specific.getClass()))
          .write(specific, enc);
      return (IndexedRecord) new GenericDatumReader<Object>(s, s, GenericData.get())
          .read(null, DecoderFactory.get().binaryDecoder(out.toByteArray(), null));
    } catch (IOException e) {
      throw new AvroRuntimeException("cannot copy the record: " + e.getClass().getSimpleName());
    }
  }

  private static GenericData.Record sealRecord(Rec r, IndexedRecord in, String prefix,
      FieldSealer sealer) {
    GenericData.Record out = new GenericData.Record(r.derived());
    for (Schema.Field f : r.original().getFields()) {
      int i = f.pos();
      Node n = r.fields()[i];
      Object v = in.get(i);
      out.put(i, n == null ? v : sealValue(n, v, join(prefix, f.name()), sealer));
    }
    return out;
  }

  private static Object sealValue(Node n, Object v, String path, FieldSealer sealer) {
    if (v == null) {
      return null; // a null stays null (the schema says whether it may be)
    }
    if (n instanceof Sealed s) {
      FieldRule rule = sealer.select(s.pattern, s.annotated, s.tags);
      if (rule == null) {
        throw sealer.configError("the selection of " + s.pattern + " changed");
      }
      byte[] encoding;
      try {
        encoding = FieldCodec.encode(s, v);
      } catch (RuntimeException e) {
        // the message names the path and the schema, never the value
        throw sealer.configError("the value at " + path + " is not a " + typeName(s.original())
            + " (" + e.getClass().getSimpleName() + ")");
      }
      return ByteBuffer.wrap(sealer.seal(rule, path, encoding));
    }
    if (n instanceof Rec r) {
      return sealRecord(r, (IndexedRecord) v, path, sealer);
    }
    if (n instanceof Arr a) {
      Collection<?> c = (Collection<?>) v;
      GenericData.Array<Object> out = new GenericData.Array<>(c.size(), a.derived());
      int i = 0;
      for (Object e : c) {
        out.add(sealValue(a.element(), e, path + FieldPaths.index(i++), sealer));
      }
      return out;
    }
    if (n instanceof MapOf m) {
      Map<?, ?> in = (Map<?, ?>) v;
      Map<Object, Object> out = new LinkedHashMap<>(in.size() * 2);
      for (Map.Entry<?, ?> e : in.entrySet()) {
        out.put(e.getKey(), sealValue(m.value(), e.getValue(),
            path + FieldPaths.mapKey(e.getKey().toString()), sealer));
      }
      return out;
    }
    Union u = (Union) n;
    Node b = u.branches()[FieldCodec.WRITE_MODEL.resolveUnion(u.original(), v)];
    return b == null ? v : sealValue(b, v, path, sealer);
  }

  private static String join(String prefix, String name) {
    return prefix.isEmpty() ? name : prefix + "." + name;
  }

  private static String typeName(Schema s) {
    return s.getType() == Schema.Type.UNION ? s.getTypes().toString() : s.getType().getName();
  }

  // ---------------------------------------------------------------- consumer

  @Override
  public Object open(String topic, Object decoded, FieldOpener opener) {
    if (decoded == null) {
      return null;
    }
    if (!(decoded instanceof GenericContainer gc) || !(decoded instanceof IndexedRecord rec)) {
      throw opener.malformed("the inner deserializer returned "
          + decoded.getClass().getName() + ", not an Avro record");
    }
    Schema derived = gc.getSchema();
    SchemaRebuild.Result plan = openPlans.get(derived);
    if (plan == null) {
      plan = rebuild(derived, Set.of(), opener);
      openPlans.putIfAbsent(derived, plan);
    }
    Set<String> listed = new HashSet<>(opener.sealedPaths());
    Map<String, byte[]> ciphertexts = new HashMap<>();
    if (plan.tree() != null) {
      collect(plan.tree(), rec, "", listed, ciphertexts, opener);
    }
    if (!listed.isEmpty()) {
      Set<String> patterns = new TreeSet<>();
      listed.forEach(p -> patterns.add(FieldPaths.patternOf(p)));
      throw opener.malformed("the field headers list " + listed.size() + " encrypted value(s) "
          + "the record does not hold as ciphertext (at " + patterns + ")");
    }
    // one call for the whole record: each field header's fields are checked together
    Map<String, byte[]> plain = opener.open(ciphertexts);
    if (plan.tree() == null) {
      return resolve(rec, opener);
    }
    Set<String> unreadable = new TreeSet<>();
    for (Map.Entry<String, byte[]> e : plain.entrySet()) {
      if (e.getValue() == null) {
        unreadable.add(FieldPaths.patternOf(e.getKey()));
      }
    }
    if (!unreadable.isEmpty() && opener.unreadable() == FieldOpener.Unreadable.KEEP) {
      // Why no reader schema: the ciphertext fields have no place in it; documented.
      KeepKey key = new KeepKey(derived, Set.copyOf(unreadable));
      SchemaRebuild.Result kept = keepPlans.get(key);
      if (kept == null) {
        kept = rebuild(derived, key.kept(), opener);
        keepPlans.putIfAbsent(key, kept);
      }
      return kept.tree() == null ? rec
          : buildRecord(kept.tree(), rec, "", plain, opener);
    }
    return resolve(buildRecord(plan.tree(), rec, "", plain, opener), opener);
  }

  private static SchemaRebuild.Result rebuild(Schema derived, Set<String> keep,
      FieldOpener opener) {
    try {
      return SchemaRebuild.rebuild(derived, keep);
    } catch (SchemaDerivation.Unsupported | AvroRuntimeException e) {
      throw opener.malformed("cannot rebuild the writer schema of " + derived.getFullName()
          + ": " + e.getMessage());
    }
  }

  /** Pass 1: every ciphertext, checked against the headers' list and collected by path. */
  private static void collect(Node n, Object v, String path, Set<String> listed,
      Map<String, byte[]> ciphertexts, FieldOpener opener) {
    if (v == null) {
      return;
    }
    if (n instanceof Sealed s) {
      if (!(v instanceof ByteBuffer b)) {
        throw opener.malformed("the value at " + s.pattern + " is not a ciphertext");
      }
      if (!listed.remove(path)) {
        throw opener.malformed("a ciphertext at " + s.pattern + " is not listed in the record's "
            + "field headers");
      }
      ciphertexts.put(path, FieldCodec.bytes(b));
      return;
    }
    if (n instanceof Rec r) {
      IndexedRecord in = (IndexedRecord) v;
      for (Schema.Field f : r.derived().getFields()) {
        Node c = r.fields()[f.pos()];
        if (c != null) {
          collect(c, in.get(f.pos()), join(path, f.name()), listed, ciphertexts, opener);
        }
      }
      return;
    }
    if (n instanceof Arr a) {
      int i = 0;
      for (Object e : (Collection<?>) v) {
        collect(a.element(), e, path + FieldPaths.index(i++), listed, ciphertexts, opener);
      }
      return;
    }
    if (n instanceof MapOf m) {
      for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) {
        collect(m.value(), e.getValue(), path + FieldPaths.mapKey(e.getKey().toString()), listed,
            ciphertexts, opener);
      }
      return;
    }
    Union u = (Union) n;
    Node b = u.branches()[GenericData.get().resolveUnion(u.derived(), v)];
    if (b != null) {
      collect(b, v, path, listed, ciphertexts, opener);
    }
  }

  /** Pass 2: the record with every opened field decoded (or as the reader mode says). */
  private static GenericData.Record buildRecord(Rec r, IndexedRecord in, String prefix,
      Map<String, byte[]> plain, FieldOpener opener) {
    GenericData.Record out = new GenericData.Record(r.original());
    for (Schema.Field f : r.derived().getFields()) {
      int i = f.pos();
      Node n = r.fields()[i];
      Object v = in.get(i);
      out.put(i, n == null ? v : build(n, v, join(prefix, f.name()), plain, opener));
    }
    return out;
  }

  private static Object build(Node n, Object v, String path, Map<String, byte[]> plain,
      FieldOpener opener) {
    if (v == null) {
      return null;
    }
    if (n instanceof Sealed s) {
      byte[] p = plain.get(path);
      if (p == null) { // a field this reader may not open, under envelope.fields.unreadable=null
        if (!s.nullable) {
          throw opener.malformed("the field at " + s.pattern + " cannot be returned as null: "
              + "its schema does not allow null; set " + UNREADABLE + " to keep or fail");
        }
        return null;
      }
      Object value = FieldCodec.decode(s, p);
      if (value == null) {
        throw opener.malformed("the decrypted value at " + s.pattern + " is not one "
            + typeName(s.original()) + " in Avro binary");
      }
      return value;
    }
    if (n instanceof Rec r) {
      return buildRecord(r, (IndexedRecord) v, path, plain, opener);
    }
    if (n instanceof Arr a) {
      Collection<?> c = (Collection<?>) v;
      GenericData.Array<Object> out = new GenericData.Array<>(c.size(), a.original());
      int i = 0;
      for (Object e : c) {
        out.add(build(a.element(), e, path + FieldPaths.index(i++), plain, opener));
      }
      return out;
    }
    if (n instanceof MapOf m) {
      Map<?, ?> in = (Map<?, ?>) v;
      Map<Object, Object> out = new HashMap<>(in.size() * 2);
      for (Map.Entry<?, ?> e : in.entrySet()) {
        out.put(e.getKey(), build(m.value(), e.getValue(),
            path + FieldPaths.mapKey(e.getKey().toString()), plain, opener));
      }
      return out;
    }
    Union u = (Union) n;
    Node b = u.branches()[GenericData.get().resolveUnion(u.derived(), v)];
    return b == null ? v : build(b, v, path, plain, opener);
  }

  /** The record in the configured reader schema or class (Avro's schema resolution). */
  private Object resolve(IndexedRecord rec, FieldOpener opener) {
    ReaderTarget t = target;
    Schema writer = rec.getSchema();
    if (t.schema() == null || (t.specific() == null && t.schema().equals(writer))) {
      return rec;
    }
    DatumReader<Object> reader = resolvers.computeIfAbsent(writer, w -> t.specific() == null
        ? new GenericDatumReader<>(w, t.schema(), GenericData.get())
        : new SpecificDatumReader<>(w, t.schema(), SpecificData.getForClass(t.specific())));
    try {
      ByteArrayOutputStream out = new ByteArrayOutputStream(256);
      BinaryEncoder enc = EncoderFactory.get().directBinaryEncoder(out, null);
      new GenericDatumWriter<Object>(writer, GenericData.get()).write(rec, enc);
      return reader.read(null, DecoderFactory.get().binaryDecoder(out.toByteArray(), null));
    } catch (IOException | RuntimeException e) {
      throw opener.malformed("the record of schema " + writer.getFullName() + " cannot be read "
          + "into " + t.schema().getFullName() + ": " + e.getClass().getSimpleName());
    }
  }
}
