package io.kafkaenvelope.testing;

import io.kafkaenvelope.kms.DataKey;
import io.kafkaenvelope.kms.EncryptionContext;
import io.kafkaenvelope.kms.KeyManagementService;
import io.kafkaenvelope.kms.KmsException;
import io.kafkaenvelope.kms.KmsProvider;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Map;
import org.apache.kafka.common.config.ConfigDef;

/**
 * {@code envelope.kms.type=fixed}: unwraps exactly one wrapped DEK (hex in
 * {@code envelope.kms.fixed.wrapped}) to one key ({@code envelope.kms.fixed.dek}); for decrypting
 * the test vectors of docs/wire-format.md, where the KMS is outside the specification.
 */
public final class FixedKeyKmsProvider implements KmsProvider {

  @Override
  public String type() {
    return "fixed";
  }

  @Override
  public ConfigDef configDef() {
    return new ConfigDef();
  }

  @Override
  public KeyManagementService create(Map<String, ?> configs) {
    byte[] dek = HexFormat.of().parseHex(configs.get("envelope.kms.fixed.dek").toString());
    byte[] wrapped = HexFormat.of().parseHex(configs.get("envelope.kms.fixed.wrapped").toString());
    return new KeyManagementService() {
      @Override
      public DataKey generateDataKey(String kekId, EncryptionContext context) {
        return new DataKey(dek, wrapped, null);
      }

      @Override
      public byte[] unwrap(String kekId, byte[] wrappedKey, EncryptionContext context) {
        if (!Arrays.equals(wrappedKey, wrapped)) {
          throw new KmsException(KmsException.Reason.INVALID_CIPHERTEXT, kekId,
              "unknown wrapped key");
        }
        return dek.clone();
      }

      @Override
      public String describe() {
        return "fixed";
      }

      @Override
      public void close() {}
    };
  }
}
