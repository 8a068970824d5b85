package io.kafkaenvelope.avro;

import io.kafkaenvelope.internal.config.ConfigDocs;
import io.kafkaenvelope.testing.ConfigReference;
import org.junit.jupiter.api.Test;

/** docs/config/serde-avro.md is generated from {@link AvroSerdeConfig}; see ConfigReference. */
class ConfigReferenceTest {

  @Test
  void checkedInReferenceMatchesTheCode() {
    ConfigReference.check("serde-avro",
        "Generated from the code's `ConfigDef`s by `ConfigReferenceTest`; do not edit by hand.\n"
            + "These settings are read by `AvroSingleObjectDeserializer` (and so by\n"
            + "`DecryptingAvroDeserializer` and `EncryptingAvroSerde` when no inner serde is "
            + "named);\n`envelope.key.avro.<name>` overrides `envelope.avro.<name>` for a key "
            + "deserializer. The\nserializer needs none. The encryption settings are in "
            + "[serde-core](serde-core.md),\nincluding `envelope.clear.prefix` for registry-framed "
            + "values.",
        ConfigDocs.toMarkdown("Registry-less Avro deserializer", null,
            AvroSerdeConfig.configDef()));
  }
}
