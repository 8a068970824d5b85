package io.kafkaenvelope.serde;

import io.kafkaenvelope.config.EnvelopeConfig;
import io.kafkaenvelope.kms.KeyManagementService;
import io.kafkaenvelope.kms.KmsProvider;
import io.kafkaenvelope.internal.kms.KmsProviders;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.config.types.Password;

/** Creating the KMS client and naming its settings, shared by serializer and deserializer. */
final class KmsSupport {

  private static final String KMS_PREFIX = "envelope.kms.";

  private KmsSupport() {}

  static KeyManagementService create(EnvelopeConfig config, Map<String, Object> resolved) {
    KmsProvider provider = KmsProviders.forType(config.kmsType());
    return provider.create(resolved);
  }

  /**
   * A fingerprint of every {@code envelope.kms.*} setting: deserializers with equal fingerprints
   * talk to the same KMS with the same rights and may share unwrapped keys. Secrets enter only
   * through a SHA-256 digest, so the scope can be kept without keeping them.
   */
  static String scope(Map<String, Object> resolved) {
    Map<String, String> kms = new TreeMap<>();
    for (Map.Entry<String, Object> e : resolved.entrySet()) {
      if (e.getKey().startsWith(KMS_PREFIX)) {
        Object v = e.getValue();
        kms.put(e.getKey(), v instanceof Password ? ((Password) v).value() : String.valueOf(v));
      }
    }
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      for (Map.Entry<String, String> e : kms.entrySet()) {
        sha.update(e.getKey().getBytes(StandardCharsets.UTF_8));
        sha.update((byte) 0);
        sha.update(e.getValue().getBytes(StandardCharsets.UTF_8));
        sha.update((byte) 0);
      }
      return HexFormat.of().formatHex(sha.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
