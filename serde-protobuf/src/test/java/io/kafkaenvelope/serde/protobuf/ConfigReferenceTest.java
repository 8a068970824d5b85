package io.kafkaenvelope.serde.protobuf;

import io.kafkaenvelope.internal.config.ConfigDocs;
import io.kafkaenvelope.testing.ConfigReference;
import org.junit.jupiter.api.Test;

/** docs/config/serde-protobuf.md is generated from {@link ProtobufSerdeConfig}. */
class ConfigReferenceTest {

  @Test
  void checkedInReferenceMatchesTheCode() {
    ConfigReference.check("serde-protobuf",
        "Generated from the code's `ConfigDef`s by `ConfigReferenceTest`; do not edit by hand.\n"
            + "These settings are read by `ProtobufSerializer` and `ProtobufDeserializer` (and so "
            + "by\n`EncryptingProtobufSerializer`, `DecryptingProtobufDeserializer` and "
            + "`EncryptingProtobufSerde`\nwhen no inner serde is named); "
            + "`envelope.key.protobuf.<name>` overrides\n`envelope.protobuf.<name>` for a key "
            + "serde. The encryption settings are in\n[serde-core](serde-core.md), including "
            + "`envelope.clear.prefix` for registry-framed values.",
        ConfigDocs.toMarkdown("Registry-less Protobuf serde", null,
            ProtobufSerdeConfig.configDef()));
  }
}
