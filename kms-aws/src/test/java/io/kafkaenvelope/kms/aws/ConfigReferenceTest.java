package io.kafkaenvelope.kms.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.kafkaenvelope.config.ConfigDocs;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** docs/config/kms-aws.md is generated; regenerate with -Dkafka-envelope.update-docs=true. */
class ConfigReferenceTest {

  private static final Path DOC = Path.of("..", "docs", "config", "kms-aws.md");

  @Test
  void checkedInReferenceMatchesTheCode() throws Exception {
    String expected = "# Configuration reference: kms-aws\n\n"
        + "Generated from `AwsKmsConfig` by `ConfigReferenceTest`; do not edit by hand.\n\n"
        + ConfigDocs.toMarkdown("KMS `aws-kms`", "Select with `envelope.kms.type=aws-kms`; see "
            + "[kms-aws.md](../kms-aws.md) for credentials and IAM policies.",
            new AwsKmsProvider().configDef());
    if (Boolean.getBoolean("kafka-envelope.update-docs")) {
      Files.writeString(DOC, expected);
    }
    assertEquals(expected, Files.exists(DOC) ? Files.readString(DOC) : "",
        DOC + " is stale: regenerate with -Dkafka-envelope.update-docs=true");
  }
}
