package io.kafkaenvelope.kms.vault;

import io.kafkaenvelope.internal.config.ConfigDocs;
import io.kafkaenvelope.testing.ConfigReference;
import org.junit.jupiter.api.Test;

/** docs/config/kms-vault.md is generated; see {@link ConfigReference}. */
class ConfigReferenceTest {

  @Test
  void checkedInReferenceMatchesTheCode() {
    ConfigReference.check("kms-vault",
        "Generated from `VaultTransitConfig` by `ConfigReferenceTest`; do not edit by hand.",
        ConfigDocs.toMarkdown("KMS `vault-transit`", "Select with "
            + "`envelope.kms.type=vault-transit`; see [kms-vault.md](../kms-vault.md) for auth "
            + "methods, TLS and Vault policies.", new VaultTransitProvider().configDef()));
  }
}
