package io.kafkaenvelope.json.internal;

import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.introspect.BeanPropertyDefinition;

/**
 * The fields a Jackson-mapped Java type has, as Jackson itself sees them (its property names, so
 * {@code @JsonProperty} renames count): whether a pattern exists in the type and what Java type it
 * holds. A name step needs a bean (a class or record with that property); {@code []} needs a
 * collection, an array or a {@code Map} (its values; a name step into a map names one key); an
 * {@code Optional} is transparent. Below a {@code JsonNode} or {@code Object} anything may exist,
 * so patterns there are accepted unchecked.
 */
public final class PojoFields {

  private PojoFields() {}

  /** Returns the Java type {@code pattern} holds in {@code root}, or {@code null} if none. */
  public static JavaType resolve(ObjectMapper mapper, JavaType root, FieldPath pattern) {
    JavaType t = root;
    for (FieldPath.Step step : pattern.steps()) {
      while (t.isReferenceType()) {
        t = t.getReferencedType();
      }
      if (isOpen(t)) {
        return mapper.constructType(Object.class);
      }
      if (step.kind() == FieldPath.Step.Kind.NAME) {
        if (t.isMapLikeType()) { // a map named like an object: attrs.colour
          t = t.getContentType();
          continue;
        }
        if (t.isContainerType() || t.isPrimitive() || t.isEnumType()) {
          return null;
        }
        t = property(mapper, t, step.name());
        if (t == null) {
          return null;
        }
      } else if (t.isContainerType()) { // collections, arrays, maps (their values)
        t = t.getContentType();
      } else {
        return null;
      }
    }
    return t;
  }

  private static boolean isOpen(JavaType t) {
    Class<?> c = t.getRawClass();
    return c == Object.class || JsonNode.class.isAssignableFrom(c);
  }

  private static JavaType property(ObjectMapper mapper, JavaType bean, String name) {
    BeanDescription d = mapper.getSerializationConfig().introspect(bean);
    for (BeanPropertyDefinition p : d.findProperties()) {
      if (p.getName().equals(name) && p.couldSerialize()) {
        return p.getPrimaryType();
      }
    }
    return null;
  }
}
