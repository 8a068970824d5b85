package io.kafkaenvelope.internal.kms;

import io.kafkaenvelope.kms.KeyManagementService;
import io.kafkaenvelope.kms.KmsProvider;
import io.kafkaenvelope.kms.memory.InMemoryKms;
import java.util.Map;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef;

/** {@code envelope.kms.type=in-memory}: the test KMS {@link InMemoryKms}. Tests only. */
public final class InMemoryKmsProvider implements KmsProvider {

  public static final String TYPE = "in-memory";
  public static final String NAME = "envelope.kms.memory.name";

  private static final ConfigDef DEF = new ConfigDef()
      .define(NAME, Type.STRING, "default", Importance.LOW,
          "Which in-memory KMS instance to use (tests reach it with InMemoryKms.named(name)). "
              + "Tests only: keys live in this JVM's memory and vanish with it.");

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
    return InMemoryKms.named(new AbstractConfig(DEF, configs, false).getString(NAME)).client();
  }
}
