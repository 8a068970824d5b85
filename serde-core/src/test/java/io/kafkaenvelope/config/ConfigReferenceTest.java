package io.kafkaenvelope.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.kafkaenvelope.kms.local.LocalKmsProvider;
import io.kafkaenvelope.kms.memory.InMemoryKmsProvider;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * docs/config/serde-core.md is generated from the ConfigDefs. This fails when it is stale; run
 * {@code mvn -pl serde-core test -Dtest=ConfigReferenceTest -Dkafka-envelope.update-docs=true} to
 * regenerate it.
 */
class ConfigReferenceTest {

  private static final Path DOC = Path.of("..", "docs", "config", "serde-core.md");

  static String render() {
    return "# Configuration reference: serde-core\n\n"
        + "Generated from the code's `ConfigDef`s by `ConfigReferenceTest`; do not edit by hand.\n"
        + "Every setting goes into the ordinary Kafka client configuration. A key serializer or\n"
        + "deserializer reads the same settings; `envelope.key.<name>` overrides `envelope.<name>`\n"
        + "for it.\n\n"
        + ConfigDocs.toMarkdown("Serializer and deserializer", null, EnvelopeConfig.configDef())
        + "\n"
        + ConfigDocs.toMarkdown("KMS `local` (development only)",
            "Tink keyset files on local disk. **Not for production**: the KEKs are stored "
                + "unencrypted.", new LocalKmsProvider().configDef())
        + "\n"
        + ConfigDocs.toMarkdown("KMS `in-memory` (tests only)",
            "Keys live in the JVM's memory; counts calls and injects failures.",
            new InMemoryKmsProvider().configDef());
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
