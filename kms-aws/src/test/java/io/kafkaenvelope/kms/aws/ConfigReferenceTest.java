package io.kafkaenvelope.kms.aws;

import io.kafkaenvelope.internal.config.ConfigDocs;
import io.kafkaenvelope.testing.ConfigReference;
import org.junit.jupiter.api.Test;

/** docs/config/kms-aws.md is generated; see {@link ConfigReference}. */
class ConfigReferenceTest {

  @Test
  void checkedInReferenceMatchesTheCode() {
    ConfigReference.check("kms-aws",
        "Generated from `AwsKmsConfig` by `ConfigReferenceTest`; do not edit by hand.",
        ConfigDocs.toMarkdown("KMS `aws-kms`", "Select with `envelope.kms.type=aws-kms`; see "
            + "[kms-aws.md](../kms-aws.md) for credentials and IAM policies.",
            new AwsKmsProvider().configDef()));
  }
}
