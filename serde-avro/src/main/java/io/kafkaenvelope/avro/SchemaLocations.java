package io.kafkaenvelope.avro;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.avro.Schema;
import org.apache.avro.SchemaParseException;
import org.apache.kafka.common.config.ConfigException;

/** Loads .avsc schemas from a file path or a {@code classpath:} resource. */
final class SchemaLocations {

  static final String CLASSPATH = "classpath:";

  private SchemaLocations() {}

  static Schema load(String setting, String location) {
    String loc = location.trim();
    try (InputStream in = open(loc)) {
      if (in == null) {
        throw new ConfigException(setting, location, "no such classpath resource");
      }
      // A parser per file: two versions of one record name would clash in a shared parser.
      return new Schema.Parser().parse(in);
    } catch (IOException | SchemaParseException e) {
      throw new ConfigException(setting, location, "cannot read an Avro schema: " + e.getMessage());
    }
  }

  private static InputStream open(String loc) throws IOException {
    if (loc.startsWith(CLASSPATH)) {
      String name = loc.substring(CLASSPATH.length());
      name = name.startsWith("/") ? name.substring(1) : name;
      ClassLoader cl = Thread.currentThread().getContextClassLoader();
      if (cl == null) {
        cl = SchemaLocations.class.getClassLoader();
      }
      return cl.getResourceAsStream(name);
    }
    return Files.newInputStream(Path.of(loc));
  }
}
