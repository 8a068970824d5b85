package io.kafkaenvelope.internal.kms;

import io.kafkaenvelope.internal.crypto.TinkCheck;
import io.kafkaenvelope.kms.KeyManagementService;
import io.kafkaenvelope.kms.KmsProvider;
import io.kafkaenvelope.kms.local.LocalKms;
import java.nio.file.Path;
import java.util.Map;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;

/** {@code envelope.kms.type=local}: KEKs in Tink keyset files. Development and tests only. */
public final class LocalKmsProvider implements KmsProvider {

  public static final String TYPE = "local";
  public static final String KEYSET_DIR = "envelope.kms.local.keyset.dir";
  public static final String CREATE_MISSING = "envelope.kms.local.create.missing";

  private static final ConfigDef DEF = new ConfigDef()
      .define(KEYSET_DIR, Type.STRING, null, Importance.HIGH,
          "Directory holding one Tink AES-256-GCM keyset file per KEK, named <kek id>.json. "
              + "NOT FOR PRODUCTION: the KEKs are stored unencrypted, so whoever can read this "
              + "directory can decrypt every record.")
      .define(CREATE_MISSING, Type.BOOLEAN, false, Importance.MEDIUM,
          "Create a keyset for a KEK id on first use instead of failing with KEY_NOT_FOUND.");

  @Override
  public String type() {
    return TYPE;
  }

  @Override
  public ConfigDef configDef() {
    return new ConfigDef(DEF);
  }

  @Override
  public KeyManagementService create(Map<String, ?> configs) {
    if (!TinkCheck.present()) {
      throw new ConfigException("envelope.kms.type", TYPE, TinkCheck.missing(
          "envelope.kms.type=local (Tink keyset files)"));
    }
    AbstractConfig c = new AbstractConfig(DEF, configs, false);
    String dir = c.getString(KEYSET_DIR);
    if (dir == null || dir.isBlank()) {
      throw new ConfigException("Missing required configuration \"" + KEYSET_DIR
          + "\" for envelope.kms.type=local");
    }
    return new LocalKms(Path.of(dir), c.getBoolean(CREATE_MISSING));
  }
}
