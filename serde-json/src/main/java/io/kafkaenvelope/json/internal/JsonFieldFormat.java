package io.kafkaenvelope.json.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kafkaenvelope.config.EnvelopeConfig;
import io.kafkaenvelope.internal.field.FieldFormat;
import io.kafkaenvelope.internal.field.FieldOpener;
import io.kafkaenvelope.internal.field.FieldRule;
import io.kafkaenvelope.internal.field.FieldSealer;
import io.kafkaenvelope.json.JsonSerdeConfig;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.errors.SerializationException;

/**
 * Field-level encryption for JSON ({@link FieldFormat}): works on a Jackson tree. The producer
 * turns the record into a tree (a {@code JsonNode} is copied, a POJO goes through {@code
 * valueToTree}), replaces each selected field's value by the base64 string (RFC 4648, padded) of
 * {@link FieldSealer#seal} over the value's {@link CanonicalJson canonical JSON} (a {@link
 * SealedText}, read when the tree is written), and hands the tree to the inner serializer. The
 * consumer gets the tree from the inner deserializer, finds every listed field, opens them all
 * with one {@link FieldOpener#open} call, puts each decrypted value back, and maps the tree to
 * {@code envelope.json.type} when that is not {@code JsonNode}.
 *
 * <p>Fields are selected by the patterns of {@code envelope.fields} and by the JSON Schema named
 * in {@code envelope.json.schema} ({@link JsonSchemaFields}); only the fields on those paths are
 * visited, so a record's other fields cost nothing. An absent field is left absent (its absence is
 * visible, as is any clear field's); a JSON {@code null} in a selected field is encrypted like any
 * value. Thread-safe once configured.
 */
public final class JsonFieldFormat implements FieldFormat {

  static final String FIELDS = EnvelopeConfig.FIELDS;
  static final String UNREADABLE = EnvelopeConfig.FIELDS_UNREADABLE;

  /** The application's mapper and type, or null: from the {@code envelope.json.*} settings. */
  private final ObjectMapper base;
  private final Class<?> givenType;
  private volatile Settings settings;
  /** POJO classes whose fields were checked against the configured patterns (seal side). */
  private final Map<Class<?>, Boolean> checked = new ConcurrentHashMap<>();
  /** The selection trie for one set of configured patterns, rebuilt if the set changes. */
  private volatile Selection selection;

  /** What configure() read; immutable. */
  record Settings(ObjectMapper mapper, JavaType type, ObjectReader treeReader,
      ObjectReader typeReader, JsonSchemaFields schema) {

    static Settings of(Class<?> type, boolean failOnUnknown, JsonSchemaFields schema) {
      return of(null, type, failOnUnknown, schema);
    }

    /** {@code base}: the application's mapper, used as configured (null: a plain one). */
    static Settings of(ObjectMapper base, Class<?> type, boolean failOnUnknown,
        JsonSchemaFields schema) {
      ObjectMapper plain = base == null ? JsonMapper.builder().build() : base;
      // Exact decimals: a BigDecimal keeps its scale through valueToTree and back (1.50 stays
      // 1.50), so a POJO read back equals the one written.
      ObjectMapper mapper = plain.copy();
      mapper.setNodeFactory(JsonNodeFactory.withExactBigDecimals(true));
      mapper.configure(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES, false);
      boolean tree = type == null || JsonNode.class.isAssignableFrom(type);
      JavaType javaType = tree ? null : mapper.constructType(type);
      // A JsonNode reader gets the node types the inner JsonDeserializer gives the same JSON in
      // the clear (floats as double with a plain mapper); a POJO reader goes through a tree that
      // keeps every decimal.
      ObjectReader treeReader = tree ? plain.reader()
          : mapper.reader().with(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
      ObjectReader typeReader = null;
      if (!tree) {
        ObjectReader r = mapper.readerFor(javaType);
        typeReader = base != null ? r // the application's mapper decides, as JsonDeserializer
            : failOnUnknown ? r.with(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            : r.without(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
      }
      return new Settings(mapper, javaType, treeReader, typeReader, schema);
    }
  }

  /** For serdes configured by class name: a plain mapper, the type from the settings. */
  public JsonFieldFormat() {
    this(null, null);
  }

  /**
   * With the application's {@code mapper} (modules, naming strategy, ...) used as configured, and
   * {@code type} (null: from {@code envelope.json.type}).
   */
  public JsonFieldFormat(ObjectMapper mapper, Class<?> type) {
    this.base = mapper;
    this.givenType = type;
    this.settings = Settings.of(mapper, type, false, null);
  }

  @Override
  public String name() {
    return "JSON";
  }

  /**
   * Reads {@code envelope.json.type}, {@code envelope.json.fail.on.unknown.properties} and
   * {@code envelope.json.schema} (with the {@code envelope.key.json.} overrides for a key).
   */
  @Override
  public void configure(Map<String, ?> configs, boolean isKey, Set<String> configuredPatterns) {
    Map<String, Object> parsed = JsonSerdeConfig.configDef().parse(
        EnvelopeConfig.resolveRole(configs, isKey));
    Class<?> type = givenType != null ? givenType : (Class<?>) parsed.get(JsonSerdeConfig.TYPE);
    String schema = (String) parsed.get(JsonSerdeConfig.SCHEMA);
    configure(type, (Boolean) parsed.get(JsonSerdeConfig.FAIL_ON_UNKNOWN_PROPERTIES),
        schema == null || schema.isBlank() ? null : SchemaSource.load(schema),
        configuredPatterns);
  }

  /**
   * {@code type}: the class records are read into ({@code null} or {@code JsonNode}: trees);
   * {@code schema}: the JSON Schema whose keywords select fields, or {@code null}.
   */
  public void configure(Class<?> type, boolean failOnUnknown, JsonNode schema,
      Set<String> configuredPatterns) {
    JsonSchemaFields fields = schema == null ? null : JsonSchemaFields.of(schema);
    Settings s = Settings.of(base, type, failOnUnknown, fields);
    for (String p : configuredPatterns) {
      FieldPath pattern = pattern(p);
      if (s.type() != null && PojoFields.resolve(s.mapper(), s.type(), pattern) == null) {
        throw new ConfigException(FIELDS, p, "no field '" + p + "' in "
            + s.type().getRawClass().getName() + " (as Jackson maps it; [] stands for every "
            + "element of a list or array and every value of a map)");
      }
      if (fields != null && !fields.exists(pattern)) {
        throw new ConfigException(FIELDS, p, "the JSON Schema of envelope.json.schema declares "
            + "no field '" + p + "'");
      }
    }
    Selection sel = new Selection(configuredPatterns, fields); // checks the patterns agree
    settings = s;
    selection = sel;
    checked.clear();
  }

  private static FieldPath pattern(String p) {
    try {
      return FieldPath.parsePattern(p);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(FIELDS, p, e.getMessage());
    }
  }

  // ------------------------------------------------------------------ producer

  @Override
  public Object seal(String topic, Object record, FieldSealer sealer) {
    if (record == null) {
      return null;
    }
    Settings s = settings;
    Selection sel = selection(sealer.configuredPatterns(), s);
    JsonNode tree;
    if (record instanceof JsonNode n) {
      tree = n.deepCopy(); // the caller's tree is never changed
    } else {
      checkClass(record.getClass(), sealer, s);
      tree = s.mapper().valueToTree(record);
    }
    if (tree != null && tree.isContainerNode()) {
      walk(tree, sel.root, "", sealer);
    }
    return tree;
  }

  private Selection selection(Set<String> configured, Settings s) {
    Selection sel = selection;
    if (sel == null || (sel.given != configured && !sel.configured.equals(configured))) {
      sel = new Selection(configured, s.schema());
      selection = sel;
    }
    return sel;
  }

  /** A POJO class must have every configured pattern (checked once per class). */
  private void checkClass(Class<?> c, FieldSealer sealer, Settings s) {
    Set<String> configured = sealer.configuredPatterns();
    if (configured.isEmpty() || checked.containsKey(c) || Map.class.isAssignableFrom(c)
        || Iterable.class.isAssignableFrom(c)) {
      return;
    }
    JavaType t = s.mapper().constructType(c);
    for (String p : configured) {
      if (PojoFields.resolve(s.mapper(), t, FieldPath.parsePattern(p)) == null) {
        throw sealer.configError(FIELDS + " names '" + p + "', which is not a field of "
            + c.getName() + " (as Jackson maps it)");
      }
    }
    checked.put(c, Boolean.TRUE);
  }

  /**
   * Seals, in {@code container} at {@code path}, what trie node {@code t} selects below it. An
   * object is walked by its properties, or as a map when {@code t} has {@code []} (never both:
   * {@link Selection} refuses that); an array by its elements.
   */
  private static void walk(JsonNode container, Selection.Node t, String path,
      FieldSealer sealer) {
    if (container instanceof ObjectNode obj && t.any != null) { // an object used as a map
      FieldRule rule = t.any.select(sealer);
      List<String> keys = new ArrayList<>();
      obj.fieldNames().forEachRemaining(keys::add);
      for (String k : keys) {
        JsonNode sealed = visit(obj.get(k), rule, t.any, FieldPath.entry(path, k), sealer);
        if (sealed != null) {
          obj.set(k, sealed);
        }
      }
    } else if (container instanceof ObjectNode obj) {
      for (Map.Entry<String, Selection.Node> e : t.names.entrySet()) {
        JsonNode v = obj.get(e.getKey());
        if (v == null) {
          continue; // absent: nothing to hide
        }
        JsonNode sealed = visit(v, e.getValue().select(sealer), e.getValue(),
            FieldPath.child(path, e.getKey()), sealer);
        if (sealed != null) {
          obj.set(e.getKey(), sealed);
        }
      }
    } else if (container instanceof ArrayNode arr && t.any != null) {
      FieldRule rule = t.any.select(sealer);
      for (int i = 0; i < arr.size(); i++) {
        JsonNode sealed = visit(arr.get(i), rule, t.any, FieldPath.element(path, i), sealer);
        if (sealed != null) {
          arr.set(i, sealed);
        }
      }
    }
  }

  /** The sealed value to put in place of {@code v}, or null (then walked into, if it can be). */
  private static JsonNode visit(JsonNode v, FieldRule rule, Selection.Node t, String path,
      FieldSealer sealer) {
    if (rule != null) {
      return seal(sealer, rule, path, v);
    }
    if (v.isContainerNode()) {
      walk(v, t, path, sealer);
    }
    return null;
  }

  private static JsonNode seal(FieldSealer sealer, FieldRule rule, String concretePath,
      JsonNode value) {
    // the array's content is written once the whole record is walked: keep it, not a copy
    return new SealedText(sealer.seal(rule, concretePath, CanonicalJson.encode(value)));
  }

  // ------------------------------------------------------------------ consumer

  @Override
  public Object open(String topic, Object decoded, FieldOpener opener) {
    if (decoded == null) {
      return null;
    }
    Settings s = settings;
    if (decoded instanceof FieldModeJsonDeserializer.Unparsed raw) {
      decoded = readTree(topic, raw.json());
    }
    if (!(decoded instanceof JsonNode tree)) {
      throw new SerializationException("field-encrypted JSON from topic '" + topic + "' needs "
          + "an inner deserializer that returns a JsonNode, not a "
          + decoded.getClass().getName() + " (unset envelope.inner.deserializer to use the "
          + "Jackson one)");
    }
    // find every listed field, open them all at once, then put the values back
    List<String> paths = opener.sealedPaths();
    List<Found> found = new ArrayList<>(paths.size());
    Map<String, byte[]> ciphertexts = new HashMap<>(Math.max(4, paths.size() * 2));
    for (String cp : paths) {
      Found f = find(tree, cp, opener);
      found.add(f);
      ciphertexts.put(cp, f.ciphertext());
    }
    Map<String, byte[]> plain = opener.open(ciphertexts);
    for (Found f : found) {
      put(f, plain.get(f.concretePath()), opener, s);
    }
    return s.type() == null ? tree : toType(topic, tree, s);
  }

  /** A listed field as found in the tree: where it is and what it holds. */
  private record Found(String concretePath, FieldPath path, JsonNode parent, FieldPath.Step last,
      byte[] ciphertext) {}

  private static Found find(JsonNode tree, String concretePath, FieldOpener opener) {
    FieldPath path;
    try {
      path = FieldPath.parse(concretePath);
    } catch (IllegalArgumentException e) {
      throw malformed(opener, concretePath, "not a field path");
    }
    List<FieldPath.Step> steps = path.steps();
    JsonNode parent = tree;
    for (int i = 0; i < steps.size() - 1 && parent != null; i++) {
      parent = step(parent, steps.get(i));
    }
    FieldPath.Step last = steps.get(steps.size() - 1);
    JsonNode sealed = parent == null ? null : step(parent, last);
    if (sealed == null || !sealed.isTextual()) {
      throw malformed(opener, concretePath, sealed == null ? "the record has no such field"
          : "the field does not hold a base64 string");
    }
    byte[] ct;
    try {
      ct = Base64.getDecoder().decode(sealed.textValue());
    } catch (IllegalArgumentException e) {
      throw malformed(opener, concretePath, "the field is not base64");
    }
    return new Found(concretePath, path, parent, last, ct);
  }

  /** Puts a field's opened value back ({@code encoding} null: as envelope.fields.unreadable). */
  private static void put(Found f, byte[] encoding, FieldOpener opener, Settings s) {
    String concretePath = f.concretePath();
    JsonNode value;
    if (encoding != null) {
      try {
        value = CanonicalJson.decode(s.treeReader(), encoding);
      } catch (IOException e) {
        throw malformed(opener, concretePath, "the decrypted field is not JSON");
      }
    } else if (opener.unreadable() == FieldOpener.Unreadable.NULL) {
      if (s.type() != null) {
        JavaType jt = PojoFields.resolve(s.mapper(), s.type(),
            FieldPath.parsePattern(f.path().pattern()));
        if (jt != null && jt.isPrimitive()) {
          throw opener.malformed("field '" + concretePath + "' may not be read with this "
              + "reader's keys and " + UNREADABLE + "=null, but " + s.type().getRawClass()
              .getName() + " declares it " + jt.getRawClass() + ", which cannot be null: use a "
              + "boxed type or " + UNREADABLE + "=fail");
        }
      }
      value = NullNode.getInstance();
    } else {
      return; // KEEP: the ciphertext stays
    }
    set(f.parent(), f.last(), value);
  }

  private static JsonNode step(JsonNode node, FieldPath.Step step) {
    return switch (step.kind()) {
      case NAME, KEY -> node.isObject() ? node.get(step.name()) : null;
      case INDEX -> node.isArray() ? node.get(step.index()) : null;
      default -> null;
    };
  }

  private static void set(JsonNode parent, FieldPath.Step step, JsonNode value) {
    if (parent instanceof ObjectNode o) {
      o.set(step.name(), value);
    } else {
      ((ArrayNode) parent).set(step.index(), value);
    }
  }

  private static Object toType(String topic, JsonNode tree, Settings s) {
    try {
      return s.typeReader().readValue(tree);
    } catch (JsonMappingException e) {
      // Jackson's message quotes the value; name only the field and the type.
      throw new SerializationException("cannot map the JSON of a record from topic '" + topic
          + "' to " + s.type().getRawClass().getName() + " at " + jsonPath(e) + ": "
          + e.getClass().getSimpleName() + " (a field left encrypted by " + UNREADABLE
          + "=keep is a base64 string; it maps only into a String field)");
    } catch (IOException e) {
      throw new SerializationException("cannot map the JSON of a record from topic '" + topic
          + "' to " + s.type().getRawClass().getName() + ": " + e.getClass().getSimpleName());
    }
  }

  private static String jsonPath(JsonMappingException e) {
    StringBuilder sb = new StringBuilder();
    for (JsonMappingException.Reference r : e.getPath()) {
      if (r.getFieldName() != null) {
        sb.append(sb.length() == 0 ? "" : ".").append(r.getFieldName());
      } else if (r.getIndex() >= 0) {
        sb.append('[').append(r.getIndex()).append(']');
      }
    }
    return sb.length() == 0 ? "the top level" : sb.toString();
  }

  private static RuntimeException malformed(FieldOpener opener, String path, String why) {
    return opener.malformed("field-encrypted JSON is malformed at '" + path + "': " + why);
  }

  /** Reads JSON bytes into a tree the way this format's reader needs (for the inner side). */
  public JsonNode readTree(String topic, byte[] data) {
    try {
      return settings.treeReader().readTree(data);
    } catch (JsonProcessingException e) {
      throw new SerializationException("cannot read JSON from topic '" + topic + "': "
          + e.getClass().getSimpleName() + (e.getLocation() == null ? ""
          : " at line " + e.getLocation().getLineNr() + ", column "
              + e.getLocation().getColumnNr()));
    } catch (IOException e) {
      throw new SerializationException("cannot read JSON from topic '" + topic + "': "
          + e.getClass().getSimpleName());
    }
  }

  /** The trie of the patterns that may be selected: configured ones and annotated ones. */
  static final class Selection {

    /** The set as given (the engine hands the same one every record: checked by identity). */
    final Set<String> given;
    final Set<String> configured;
    final Node root = new Node(null);

    Selection(Set<String> configured, JsonSchemaFields schema) {
      this.given = configured;
      this.configured = Set.copyOf(configured);
      for (String p : configured) {
        add(FieldPath.parsePattern(p), p, null);
      }
      if (schema != null) {
        schema.annotations().forEach((p, a) -> add(FieldPath.parsePattern(p), p, a));
      }
      check(root, "");
    }

    private void add(FieldPath pattern, String text, JsonSchemaFields.Annotation a) {
      Node n = root;
      StringBuilder prefix = new StringBuilder();
      for (FieldPath.Step s : pattern.steps()) {
        if (s.kind() == FieldPath.Step.Kind.NAME) {
          prefix.append(prefix.length() == 0 ? "" : ".").append(s.name());
          String at = prefix.toString();
          n = n.names.computeIfAbsent(s.name(), k -> new Node(at));
        } else {
          prefix.append("[]");
          String at = prefix.toString();
          if (n.any == null) {
            n.any = new Node(at);
          }
          n = n.any;
        }
      }
      n.candidate = true;
      if (a != null) {
        n.annotated |= a.annotated();
        n.tags = a.tags();
      }
    }

    /** An object is either a map ({@code attrs[]}) or a record ({@code attrs.x}), not both. */
    private static void check(Node n, String at) {
      if (n.any != null && !n.names.isEmpty()) {
        throw new ConfigException(FIELDS, at, "'" + at + "' is selected into both as a map or "
            + "list ('" + at + "[]') and as an object ('" + at + "." + n.names.keySet().iterator()
            .next() + "'); name its values one way");
      }
      n.names.forEach((k, c) -> check(c, at.isEmpty() ? k : at + "." + k));
      if (n.any != null) {
        check(n.any, at + "[]");
      }
    }

    static final class Node {
      final String pattern;
      final Map<String, Node> names = new java.util.LinkedHashMap<>();
      Node any;
      boolean candidate;
      boolean annotated;
      Set<String> tags = Set.of();

      Node(String pattern) {
        this.pattern = pattern;
      }

      FieldRule select(FieldSealer sealer) {
        return candidate ? sealer.select(pattern, annotated, tags) : null;
      }
    }
  }
}
