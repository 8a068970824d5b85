package io.kafkaenvelope.internal.kms;

import io.kafkaenvelope.kms.KmsProvider;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;
import org.apache.kafka.common.config.ConfigException;

/** Finds {@link KmsProvider}s on the classpath with {@link ServiceLoader}. */
public final class KmsProviders {

  private KmsProviders() {}

  /** All providers visible to this class's loader, by type. */
  public static Map<String, KmsProvider> available() {
    Map<String, KmsProvider> byType = new TreeMap<>();
    ClassLoader loader = KmsProviders.class.getClassLoader();
    for (KmsProvider p : ServiceLoader.load(KmsProvider.class, loader)) {
      byType.putIfAbsent(p.type(), p);
    }
    ClassLoader context = Thread.currentThread().getContextClassLoader();
    if (context != null && context != loader) {
      for (KmsProvider p : ServiceLoader.load(KmsProvider.class, context)) {
        byType.putIfAbsent(p.type(), p);
      }
    }
    return byType;
  }

  /**
   * The provider of {@code type}.
   *
   * @throws ConfigException naming the types that are available when none matches
   */
  public static KmsProvider forType(String type) {
    Map<String, KmsProvider> all = available();
    KmsProvider p = all.get(type);
    if (p == null) {
      throw new ConfigException("envelope.kms.type", type, "no KMS provider of this type on the "
          + "classpath; available: " + all.keySet() + " (aws-kms, vault-transit, gcp-kms and "
          + "azure-keyvault come with the kafka-envelope-kms-aws, -kms-vault, -kms-gcp and "
          + "-kms-azure jars)");
    }
    return p;
  }
}
