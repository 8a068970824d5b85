package io.kafkaenvelope.avro;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.kafkaenvelope.config.ConfigDocs;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * docs/config/serde-avro.md is generated from {@link AvroSerdeConfig}. This fails when it is
 * stale; run {@code mvn -pl serde-avro test -Dtest=ConfigReferenceTest
 * -Dkafka-envelope.update-docs=true} to regenerate it.
 */
class ConfigReferenceTest {

  private static final Path DOC = Path.of("..", "docs", "config", "serde-avro.md");

  static String render() {
    return "# Configuration reference: serde-avro\n\n"
        + "Generated from the code's `ConfigDef`s by `ConfigReferenceTest`; do not edit by hand.\n"
        + "These settings are read by `AvroSingleObjectDeserializer` (and so by\n"
        + "`DecryptingAvroDeserializer` and `EncryptingAvroSerde` when no inner serde is named);\n"
        + "`envelope.key.avro.<name>` overrides `envelope.avro.<name>` for a key deserializer. The\n"
        + "serializer needs none. The encryption settings are in [serde-core](serde-core.md),\n"
        + "including `envelope.clear.prefix` for registry-framed values.\n\n"
        + ConfigDocs.toMarkdown("Registry-less Avro deserializer", null,
            AvroSerdeConfig.configDef());
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
