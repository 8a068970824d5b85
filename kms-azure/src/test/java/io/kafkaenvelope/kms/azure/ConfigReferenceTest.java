package io.kafkaenvelope.kms.azure;

import io.kafkaenvelope.internal.config.ConfigDocs;
import io.kafkaenvelope.testing.ConfigReference;
import org.junit.jupiter.api.Test;

/** docs/config/kms-azure.md is generated; see {@link ConfigReference}. */
class ConfigReferenceTest {

  @Test
  void checkedInReferenceMatchesTheCode() {
    ConfigReference.check("kms-azure",
        "Generated from `AzureKeyVaultConfig` by `ConfigReferenceTest`; do not edit by hand.",
        ConfigDocs.toMarkdown("KMS `azure-keyvault`", "Select with "
            + "`envelope.kms.type=azure-keyvault`; see [kms-azure.md](../kms-azure.md) for "
            + "credentials, RBAC roles and how a wrapped DEK is bound to its context.",
            new AzureKeyVaultProvider().configDef()));
  }
}
