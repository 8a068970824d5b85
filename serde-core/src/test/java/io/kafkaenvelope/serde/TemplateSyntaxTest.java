package io.kafkaenvelope.serde;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkaenvelope.testing.TestConfigs;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 17: a placeholder left open in {@code envelope.kek.id.template} (or a template in
 * {@code envelope.kek.allowed.ids}) is refused at {@code configure()}, in every spelling, before
 * any KMS call; it would otherwise be a literal part of every KEK id.
 */
class TemplateSyntaxTest {

  private final String kmsName = TestConfigs.newKmsName();

  @ParameterizedTest
  @ValueSource(strings = {"kafka-{header:tenant", "kafka-${header:tenant", "kafka-{topic",
      "kafka-${topic", "kafka-{topic}-{header:tenant", "kafka-{header:a{topic}",
      "kafka-${header:tenant-{topic}"})
  void anUnclosedPlaceholderIsRefusedAtConfigure(String template) {
    Map<String, Object> m = TestConfigs.base(kmsName);
    m.remove("envelope.kek.id");
    m.put("envelope.kek.id.template", template);
    ConfigException s = assertThrows(ConfigException.class,
        () -> new EncryptingSerializer<>(new StringSerializer()).configure(m, false));
    assertMessage(s, "envelope.kek.id.template", template);
    ConfigException d = assertThrows(ConfigException.class,
        () -> new DecryptingDeserializer<>(new StringDeserializer()).configure(m, false));
    assertMessage(d, "envelope.kek.id.template", template);
    assertEquals(0, TestConfigs.kms(kmsName).generateCalls()
        + TestConfigs.kms(kmsName).checkCalls(), "refused before any KMS call");
  }

  @ParameterizedTest
  @ValueSource(strings = {"old-{header:tenant", "old-${topic"})
  void anUnclosedPlaceholderInTheAllowListIsRefusedToo(String template) {
    Map<String, Object> m = TestConfigs.base(kmsName);
    m.put("envelope.kek.allowed.ids", List.of(template));
    ConfigException d = assertThrows(ConfigException.class,
        () -> new DecryptingDeserializer<>(new StringDeserializer()).configure(m, false));
    assertMessage(d, "envelope.kek.allowed.ids", template);
  }

  private static void assertMessage(ConfigException e, String setting, String template) {
    assertTrue(e.getMessage().contains(setting), e.getMessage());
    assertTrue(e.getMessage().contains(template), e.getMessage());
    assertTrue(e.getMessage().contains("unclosed placeholder"), e.getMessage());
  }
}
