package io.kafkaenvelope;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * serde-core's public API is the public types outside {@code io.kafkaenvelope.internal}: few, and
 * each listed in the README's module table. Everything under {@code internal} may change in any
 * release (Tink's convention). A new public type must be added here and to the README on purpose.
 */
class ApiSurfaceTest {

  static final List<String> API = List.of(
      "io.kafkaenvelope.config.EnvelopeConfig",
      "io.kafkaenvelope.kms.DataKey",
      "io.kafkaenvelope.kms.EncryptionContext",
      "io.kafkaenvelope.kms.KeyManagementService",
      "io.kafkaenvelope.kms.KmsException",
      "io.kafkaenvelope.kms.KmsProvider",
      "io.kafkaenvelope.kms.local.LocalKms",
      "io.kafkaenvelope.kms.memory.InMemoryKms",
      "io.kafkaenvelope.serde.DecryptingDeserializer",
      "io.kafkaenvelope.serde.EncryptingSerializer",
      "io.kafkaenvelope.serde.EnvelopeException",
      "io.kafkaenvelope.serde.EnvelopeSerde",
      "io.kafkaenvelope.serde.MonitorableDecryptingDeserializer",
      "io.kafkaenvelope.serde.MonitorableEncryptingSerializer",
      "io.kafkaenvelope.serde.PlaintextKeyPartitioner");

  @Test
  void thePublicApiIsTheListedTypesAndNoMore() throws Exception {
    List<String> publicTypes;
    Path classes = Path.of("target", "classes");
    try (Stream<Path> files = Files.walk(classes)) {
      publicTypes = files.map(p -> classes.relativize(p).toString())
          .filter(n -> n.endsWith(".class") && !n.contains("$"))
          .filter(n -> !n.endsWith("package-info.class"))
          .map(n -> n.substring(0, n.length() - ".class".length()).replace('/', '.'))
          .filter(n -> !n.startsWith("io.kafkaenvelope.internal."))
          .filter(ApiSurfaceTest::isPublic)
          .sorted().toList();
    }
    assertEquals(API, publicTypes);
    // The two Monitorable* serdes (KIP-877 metrics on kafka-clients 4.1+) are separate classes
    // only because 3.x cannot load a class implementing Monitorable; ConfigDocs (the reference
    // generator) moved to internal to keep the API at 15.
    assertTrue(API.size() <= 15, "a small API: " + API.size() + " types");
  }

  @Test
  void theReadmeListsTheApi() throws IOException {
    String readme = Files.readString(Path.of("..", "README.md"));
    for (String type : API) {
      String simple = type.substring(type.lastIndexOf('.') + 1);
      assertTrue(readme.contains("`" + simple + "`"), "README names " + simple);
    }
  }

  private static boolean isPublic(String name) {
    try {
      return Modifier.isPublic(Class.forName(name, false,
          ApiSurfaceTest.class.getClassLoader()).getModifiers());
    } catch (ClassNotFoundException e) {
      throw new AssertionError(e);
    }
  }
}
