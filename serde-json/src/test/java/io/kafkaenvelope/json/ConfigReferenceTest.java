package io.kafkaenvelope.json;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.kafkaenvelope.config.ConfigDocs;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * docs/config/serde-json.md is generated from {@link JsonSerdeConfig}. This fails when it is
 * stale; run {@code mvn -pl serde-json test -Dtest=ConfigReferenceTest
 * -Dkafka-envelope.update-docs=true} to regenerate it.
 */
class ConfigReferenceTest {

  private static final Path DOC = Path.of("..", "docs", "config", "serde-json.md");

  static String render() {
    return "# Configuration reference: serde-json\n\n"
        + "Generated from the code's `ConfigDef`s by `ConfigReferenceTest`; do not edit by hand.\n"
        + "These settings are read by `JsonDeserializer` (and so by `DecryptingJsonDeserializer`\n"
        + "and `EncryptingJsonSerde` when no inner serde is named); `envelope.key.json.<name>`\n"
        + "overrides `envelope.json.<name>` for a key deserializer. The serializer needs none. The\n"
        + "encryption settings are in [serde-core](serde-core.md), including\n"
        + "`envelope.clear.prefix` for registry-framed values.\n\n"
        + ConfigDocs.toMarkdown("Jackson deserializer", null, JsonSerdeConfig.configDef());
  }

  @Test
  void checkedInReferenceMatchesTheCode() throws Exception {
    String expected = render();
    if (Boolean.getBoolean("kafka-envelope.update-docs")) {
      Files.createDirectories(DOC.getParent());
      Files.writeString(DOC, expected);
    }
    assertEquals(expected, Files.exists(DOC) ? Files.readString(DOC) : "",
        DOC + " is stale: regenerate with -Dkafka-envelope.update-docs=true");
  }
}
