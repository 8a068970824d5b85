package io.kafkaenvelope.json;

import io.kafkaenvelope.internal.config.ConfigDocs;
import io.kafkaenvelope.testing.ConfigReference;
import org.junit.jupiter.api.Test;

/** docs/config/serde-json.md is generated from {@link JsonSerdeConfig}; see ConfigReference. */
class ConfigReferenceTest {

  @Test
  void checkedInReferenceMatchesTheCode() {
    ConfigReference.check("serde-json",
        "Generated from the code's `ConfigDef`s by `ConfigReferenceTest`; do not edit by hand.\n"
            + "These settings are read by `JsonDeserializer` (and so by "
            + "`DecryptingJsonDeserializer`\n"
            + "and `EncryptingJsonSerde` when no inner serde is named); "
            + "`envelope.key.json.<name>`\n"
            + "overrides `envelope.json.<name>` for a key deserializer. The serializer reads them "
            + "only\nfor field-level encryption (`envelope.mode=field`, see docs/serdes.md): "
            + "`envelope.json.schema`,\nand `envelope.json.type` to check `envelope.fields` at "
            + "configure(). The\nencryption settings are in [serde-core](serde-core.md), "
            + "including\n"
            + "`envelope.clear.prefix` for registry-framed values.",
        ConfigDocs.toMarkdown("Jackson deserializer", null, JsonSerdeConfig.configDef()));
  }
}
