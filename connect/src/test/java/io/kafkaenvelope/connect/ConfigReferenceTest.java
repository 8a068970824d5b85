package io.kafkaenvelope.connect;

import io.kafkaenvelope.internal.config.ConfigDocs;
import io.kafkaenvelope.testing.ConfigReference;
import org.junit.jupiter.api.Test;

/** docs/config/connect.md is generated; see {@link ConfigReference}. */
class ConfigReferenceTest {

  @Test
  void checkedInReferenceMatchesTheCode() {
    ConfigReference.check("connect",
        "Generated from `EncryptingConverterConfig` by `ConfigReferenceTest`; do not edit by hand.",
        ConfigDocs.toMarkdown("`EncryptingConverter`", "Set with the converter's prefix "
            + "(`value.converter.` or `key.converter.`, in the worker or the connector "
            + "configuration). Settings under `" + EncryptingConverterConfig.INNER_CONVERTER_PREFIX
            + "<name>` go to the inner converter as `<name>`. The KMS, KEK and policy settings "
            + "are serde-core's `envelope.*` settings, with the same prefix: see "
            + "[serde-core](serde-core.md) and [connect.md](../connect.md).",
            EncryptingConverterConfig.configDef()));
  }
}
