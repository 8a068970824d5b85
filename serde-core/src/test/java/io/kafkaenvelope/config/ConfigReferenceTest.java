package io.kafkaenvelope.config;

import io.kafkaenvelope.internal.config.ConfigDocs;
import io.kafkaenvelope.internal.field.FieldSettings;
import io.kafkaenvelope.internal.kms.LocalKmsProvider;
import io.kafkaenvelope.internal.kms.InMemoryKmsProvider;
import io.kafkaenvelope.testing.ConfigReference;
import org.junit.jupiter.api.Test;

/** docs/config/serde-core.md is generated from the ConfigDefs; see {@link ConfigReference}. */
class ConfigReferenceTest {

  @Test
  void checkedInReferenceMatchesTheCode() {
    ConfigReference.check("serde-core",
        "Generated from the code's `ConfigDef`s by `ConfigReferenceTest`; do not edit by hand.\n"
            + "Every setting goes into the ordinary Kafka client configuration. "
            + "A key serializer or\n"
            + "deserializer reads the same settings; `envelope.key.<name>` overrides "
            + "`envelope.<name>`\nfor it.",
        ConfigDocs.toMarkdown("Serializer and deserializer", null, EnvelopeConfig.configDef()),
        ConfigDocs.toMarkdown("Field mode: per-field settings",
            "Settings whose name ends in a tag of `envelope.fields.tags` or a field pattern; "
                + "one keyed by the pattern wins over one keyed by a tag.",
            FieldSettings.PER_FIELD_DOC),
        ConfigDocs.toMarkdown("KMS `local` (development only)",
            "Tink keyset files on local disk. **Not for production**: the KEKs are stored "
                + "unencrypted.", new LocalKmsProvider().configDef()),
        ConfigDocs.toMarkdown("KMS `in-memory` (tests only)",
            "Keys live in the JVM's memory; counts calls and injects failures.",
            new InMemoryKmsProvider().configDef()));
  }
}
