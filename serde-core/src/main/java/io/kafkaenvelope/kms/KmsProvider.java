package io.kafkaenvelope.kms;

import java.util.Map;
import org.apache.kafka.common.config.ConfigDef;

/**
 * Service-provider interface for a key management service (KMS) that holds key-encryption keys
 * (KEKs). Implementations are discovered with {@link java.util.ServiceLoader}: a module registers
 * its provider in {@code META-INF/services/io.kafkaenvelope.kms.KmsProvider}, and a user selects it
 * with {@code envelope.kms.type=<type()>}. Putting the module's jar on the classpath is all it
 * takes.
 */
public interface KmsProvider {

  /** The value of {@code envelope.kms.type} that selects this provider, e.g. {@code aws-kms}. */
  String type();

  /**
   * The settings this provider reads, with their full names (all start with {@code envelope.kms.}),
   * so they are validated, documented and redacted like every other setting. Secrets must be of
   * type {@link ConfigDef.Type#PASSWORD}.
   */
  ConfigDef configDef();

  /**
   * Creates a client. {@code configs} is the serializer's whole configuration map, with key-role
   * overrides ({@code envelope.key.*}) already applied, so the provider can parse it with its own
   * {@link #configDef()}. Called once per serializer or deserializer instance; the caller closes
   * the result.
   *
   * @throws org.apache.kafka.common.config.ConfigException if the settings are invalid
   */
  KeyManagementService create(Map<String, ?> configs);
}
