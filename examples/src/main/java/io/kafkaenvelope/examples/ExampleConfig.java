package io.kafkaenvelope.examples;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/**
 * Loads an example's client configuration: a properties file, then {@code -Dkey=value} overrides.
 */
final class ExampleConfig {

  private ExampleConfig() {}

  static Properties load(String file) throws IOException {
    Properties p = new Properties();
    try (Reader r = Files.newBufferedReader(Path.of(file), StandardCharsets.UTF_8)) {
      p.load(r);
    }
    // e.g. -Dbootstrap.servers=broker:9092 without editing the file
    for (String name : p.stringPropertyNames()) {
      String override = System.getProperty(name);
      if (override != null) {
        p.setProperty(name, override);
      }
    }
    String bootstrap = System.getProperty("bootstrap.servers");
    if (bootstrap != null) {
      p.setProperty("bootstrap.servers", bootstrap);
    }
    return p;
  }
}
