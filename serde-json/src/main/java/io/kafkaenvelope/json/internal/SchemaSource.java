package io.kafkaenvelope.json.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.kafkaenvelope.json.JsonSerdeConfig;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.kafka.common.config.ConfigException;

/**
 * Loads the JSON Schema named by {@code envelope.json.schema}: {@code classpath:<resource>}, a
 * file path, or the schema itself inline (a value starting with <code>{</code>).
 */
final class SchemaSource {

  private SchemaSource() {}

  static JsonNode load(String value) {
    String v = value.trim();
    JsonMapper mapper = JsonMapper.builder().build();
    try {
      if (v.startsWith("{")) {
        return mapper.readTree(v);
      }
      if (v.startsWith("classpath:")) {
        String resource = v.substring("classpath:".length()).replaceFirst("^/", "");
        ClassLoader cl = Thread.currentThread().getContextClassLoader();
        if (cl == null) {
          cl = SchemaSource.class.getClassLoader();
        }
        try (InputStream in = cl.getResourceAsStream(resource)) {
          if (in == null) {
            throw new ConfigException(JsonSerdeConfig.SCHEMA, value, "no such resource on the "
                + "class path");
          }
          return mapper.readTree(in);
        }
      }
      return mapper.readTree(Files.readAllBytes(Path.of(v)));
    } catch (IOException e) {
      throw new ConfigException(JsonSerdeConfig.SCHEMA, value, "cannot read a JSON Schema: "
          + e.getClass().getSimpleName());
    }
  }
}
