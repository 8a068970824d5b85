package io.kafkaenvelope.kms.gcp;

import io.kafkaenvelope.internal.config.ConfigDocs;
import io.kafkaenvelope.testing.ConfigReference;
import org.junit.jupiter.api.Test;

/** docs/config/kms-gcp.md is generated; see {@link ConfigReference}. */
class ConfigReferenceTest {

  @Test
  void checkedInReferenceMatchesTheCode() {
    ConfigReference.check("kms-gcp",
        "Generated from `GcpKmsConfig` by `ConfigReferenceTest`; do not edit by hand.",
        ConfigDocs.toMarkdown("KMS `gcp-kms`", "Select with `envelope.kms.type=gcp-kms`; see "
            + "[kms-gcp.md](../kms-gcp.md) for credentials and IAM roles.",
            new GcpKmsProvider().configDef()));
  }
}
