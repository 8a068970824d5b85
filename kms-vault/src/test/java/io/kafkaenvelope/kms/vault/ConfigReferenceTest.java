package io.kafkaenvelope.kms.vault;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.kafkaenvelope.config.ConfigDocs;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** docs/config/kms-vault.md is generated; regenerate with -Dkafka-envelope.update-docs=true. */
class ConfigReferenceTest {

  private static final Path DOC = Path.of("..", "docs", "config", "kms-vault.md");

  @Test
  void checkedInReferenceMatchesTheCode() throws Exception {
    String expected = "# Configuration reference: kms-vault\n\n"
        + "Generated from `VaultTransitConfig` by `ConfigReferenceTest`; do not edit by hand.\n\n"
        + ConfigDocs.toMarkdown("KMS `vault-transit`", "Select with "
            + "`envelope.kms.type=vault-transit`; see [kms-vault.md](../kms-vault.md) for auth "
            + "methods, TLS and Vault policies.", new VaultTransitProvider().configDef());
    if (Boolean.getBoolean("kafka-envelope.update-docs")) {
      Files.writeString(DOC, expected);
    }
    assertEquals(expected, Files.exists(DOC) ? Files.readString(DOC) : "",
        DOC + " is stale: regenerate with -Dkafka-envelope.update-docs=true");
  }
}
