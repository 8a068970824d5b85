package io.kafkaenvelope.testing;

import io.kafkaenvelope.kms.DataKey;
import io.kafkaenvelope.kms.EncryptionContext;
import io.kafkaenvelope.kms.KeyManagementService;
import io.kafkaenvelope.kms.KmsProvider;
import io.kafkaenvelope.kms.memory.InMemoryKms;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.config.ConfigDef;

/**
 * {@code envelope.kms.type=recording}: the in-memory KMS named by {@code envelope.kms.memory.name},
 * remembering every plaintext DEK it hands out so {@link LogScanTest} can prove none reached a log.
 */
public final class RecordingKmsProvider implements KmsProvider {

  /** Every DEK any recording KMS produced or unwrapped in this JVM. */
  public static final Set<byte[]> ISSUED = ConcurrentHashMap.newKeySet();

  @Override
  public String type() {
    return "recording";
  }

  @Override
  public ConfigDef configDef() {
    return new ConfigDef();
  }

  @Override
  public KeyManagementService create(Map<String, ?> configs) {
    Object name = configs.get("envelope.kms.memory.name");
    KeyManagementService delegate = InMemoryKms.named(name == null ? "default" : name.toString())
        .client();
    return new KeyManagementService() {
      @Override
      public DataKey generateDataKey(String kekId, EncryptionContext context) {
        DataKey k = delegate.generateDataKey(kekId, context);
        ISSUED.add(k.plaintext());
        return k;
      }

      @Override
      public byte[] unwrap(String kekId, byte[] wrappedKey, EncryptionContext context) {
        byte[] k = delegate.unwrap(kekId, wrappedKey, context);
        ISSUED.add(k.clone());
        return k;
      }

      @Override
      public byte[] deriveKeyMaterial(String kekId, EncryptionContext context) {
        byte[] k = delegate.deriveKeyMaterial(kekId, context);
        ISSUED.add(k.clone());
        return k;
      }

      @Override
      public boolean checkKek(String kekId, KekUse use) {
        return delegate.checkKek(kekId, use);
      }

      @Override
      public String describe() {
        return "recording(" + delegate.describe() + ")";
      }

      @Override
      public void close() {}
    };
  }
}
