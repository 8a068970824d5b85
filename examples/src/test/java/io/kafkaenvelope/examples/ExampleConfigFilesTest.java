package io.kafkaenvelope.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkaenvelope.config.EnvelopeConfig;
import io.kafkaenvelope.kms.KmsProvider;
import io.kafkaenvelope.internal.kms.KmsProviders;
import io.kafkaenvelope.serde.protobuf.ProtobufSerdeConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every example config file names only settings that exist and parse: a typo in a file users copy
 * would otherwise be silently ignored by Kafka's config handling.
 */
class ExampleConfigFilesTest {

  static List<Path> files() throws Exception {
    try (Stream<Path> s = Files.list(Path.of("config"))) {
      return s.filter(p -> p.toString().endsWith(".properties")).sorted().toList();
    }
  }

  @ParameterizedTest
  @MethodSource("files")
  void namesOnlyKnownSettingsWithValidValues(Path file) throws Exception {
    Properties p = ExampleConfig.load(file.toString());
    String type = p.getProperty(EnvelopeConfig.KMS_TYPE);
    KmsProvider provider = KmsProviders.forType(type);
    Set<String> known = new TreeSet<>(EnvelopeConfig.configDef().names());
    known.addAll(provider.configDef().names());
    known.addAll(ProtobufSerdeConfig.configDef().names()); // protobuf-*.properties
    String name = file.getFileName().toString();
    if (name.contains("producer")) {
      known.addAll(ProducerConfig.configNames());
    } else if (name.contains("consumer")) {
      known.addAll(ConsumerConfig.configNames());
    } else {
      known.addAll(StreamsConfig.configDef().names());
    }
    Set<String> unknown = new TreeSet<>();
    for (String key : p.stringPropertyNames()) {
      boolean streamsClientSetting = key.startsWith(StreamsConfig.CONSUMER_PREFIX)
          || key.startsWith(StreamsConfig.PRODUCER_PREFIX);
      boolean configProvider = key.startsWith("config.providers");
      if (!known.contains(key) && !streamsClientSetting && !configProvider) {
        unknown.add(key);
      }
    }
    assertEquals(Set.of(), unknown, name + " names settings that do not exist");
    // values parse with the real definitions (types, validators)
    Map<String, Object> map = new HashMap<>();
    p.stringPropertyNames().forEach(n -> map.put(n, p.getProperty(n)));
    EnvelopeConfig.forRole(map, false);
    provider.configDef().parse(map);
    assertFalse(provider.type().isEmpty());
    assertTrue(p.containsKey("bootstrap.servers"), name);
  }
}
