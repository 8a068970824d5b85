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
    Object d = configs.get("envelope.kms.fixed.dek");
    Object w = configs.get("envelope.kms.fixed.wrapped");
    byte[] dek = d == null ? new byte[32] : HexFormat.of().parseHex(d.toString());
    byte[] wrapped = w == null ? new byte[] {0} : HexFormat.of().parseHex(w.toString());
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

      /** The vectors' KMS output for deterministic mode ({@code envelope.kms.fixed.derived}). */
      @Override
      public byte[] deriveKeyMaterial(String kekId, EncryptionContext context) {
        Object derived = configs.get("envelope.kms.fixed.derived");
        if (derived == null) {
          return KeyManagementService.super.deriveKeyMaterial(kekId, context);
        }
        Object expected = configs.get("envelope.kms.fixed.context");
        if (expected != null && !HexFormat.of().formatHex(context.canonicalBytes())
            .equals(expected.toString())) {
          throw new KmsException(KmsException.Reason.ACCESS_DENIED, kekId,
              "not the documented derivation context");
        }
        return HexFormat.of().parseHex(derived.toString());
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
