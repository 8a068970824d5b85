package io.kafkaenvelope.connect;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;

/**
 * The example configuration files in {@code connect/config}, which the worker tests run (with
 * addresses, files, topics and the keyset directory replaced), so the files users copy work.
 */
final class Examples {

  static final String DIR = "config";
  static final String KEYSET_DIR = "envelope.kms.local.keyset.dir";

  private Examples() {}

  /** The settings of {@code config/<name>}. */
  static Map<String, String> load(String name) {
    Properties p = new Properties();
    try (Reader r = Files.newBufferedReader(Path.of(DIR, name))) {
      p.load(r);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Map<String, String> m = new HashMap<>();
    p.stringPropertyNames().forEach(k -> m.put(k, p.getProperty(k)));
    return m;
  }

  /** {@code config/<name>} with {@code overrides} applied. */
  static Map<String, String> load(String name, String... overrides) {
    Map<String, String> m = load(name);
    for (int i = 0; i < overrides.length; i += 2) {
      m.put(overrides[i], overrides[i + 1]);
    }
    return m;
  }

  /** The local-KMS envelope settings the examples use, with the keyset directory replaced. */
  static Map<String, Object> localEnvelope(Path keysetDir) {
    Map<String, Object> m = new HashMap<>();
    m.put("envelope.kms.type", "local");
    m.put(KEYSET_DIR, keysetDir.toString());
    m.put("envelope.kek.id", "orders-kek");
    return m;
  }
}
