package io.kafkaenvelope.connect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkaenvelope.config.EnvelopeConfig;
import io.kafkaenvelope.internal.kms.KmsProviders;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.connect.runtime.standalone.StandaloneConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every example file in {@code connect/config} names only settings that exist: a typo in an
 * {@code envelope.*} setting would otherwise be ignored silently. (The FileStream and MirrorMaker
 * files also run in the worker tests.)
 */
class ExampleConfigFilesTest {

  static List<String> files() throws Exception {
    try (Stream<Path> s = Files.list(Path.of(Examples.DIR))) {
      return s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".properties"))
          .sorted().toList();
    }
  }

  private static Set<String> envelopeSettings() {
    Set<String> known = new TreeSet<>(EnvelopeConfig.configDef().names());
    known.addAll(EncryptingConverterConfig.configDef().names());
    known.addAll(KmsProviders.forType("local").configDef().names());
    return known;
  }

  @ParameterizedTest
  @MethodSource("files")
  void everyEnvelopeSettingExistsAndTheConverterConfigures(String file, @TempDir Path keys) {
    Map<String, String> settings = Examples.load(file);
    Set<String> known = envelopeSettings();
    String prefix = "value.converter.";
    Map<String, Object> converter = new HashMap<>();
    for (Map.Entry<String, String> e : settings.entrySet()) {
      String k = e.getKey().startsWith(prefix) ? e.getKey().substring(prefix.length())
          : e.getKey();
      if (k.startsWith(EnvelopeConfig.PREFIX)
          && !k.startsWith(EncryptingConverterConfig.INNER_CONVERTER_PREFIX)) {
        assertTrue(known.contains(k), file + ": unknown setting " + e.getKey());
      }
      if (e.getKey().startsWith(prefix)) {
        converter.put(k, e.getValue());
      }
    }
    if (EncryptingConverter.class.getName().equals(settings.get("value.converter"))) {
      converter.put(Examples.KEYSET_DIR, keys.toString());
      converter.put("envelope.kms.local.create.missing", "true");
      new EncryptingConverter().configure(converter, false);
    }
    if (file.contains("consumer")) {
      Set<String> consumer = new TreeSet<>(ConsumerConfig.configNames());
      consumer.addAll(known);
      for (String k : settings.keySet()) {
        assertTrue(consumer.contains(k), file + ": unknown consumer setting " + k);
      }
    }
  }

  @Test
  void theWorkerFileIsAValidStandaloneWorkerConfig() {
    Map<String, String> worker = Examples.load("connect-standalone.properties");
    StandaloneConfig config = new StandaloneConfig(worker);
    assertEquals(List.of("localhost:9092"), config.getList("bootstrap.servers"));
  }
}
