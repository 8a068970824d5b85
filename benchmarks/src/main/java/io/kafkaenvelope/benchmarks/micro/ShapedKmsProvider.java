package io.kafkaenvelope.benchmarks.micro;

import io.kafkaenvelope.kms.DataKey;
import io.kafkaenvelope.kms.EncryptionContext;
import io.kafkaenvelope.kms.KeyManagementService;
import io.kafkaenvelope.kms.KmsException;
import io.kafkaenvelope.kms.KmsProvider;
import io.kafkaenvelope.kms.memory.InMemoryKms;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.Map;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;

/**
 * {@code envelope.kms.type=bench-shaped}: the in-memory KMS with the envelope header of a real
 * cloud KMS, so the micro-benchmarks measure real-size headers without a network. The header is
 * every record's associated data and travels with every record, so its length is what matters:
 * <ul>
 *   <li>{@code aws}: the wrapped DEK is 184 bytes, the size of an AWS KMS ciphertext blob for a
 *       32-byte data key, and the KEK version is the key ARN AWS KMS reports (with a key ARN as
 *       {@code envelope.kek.id}, as {@link Fixtures#AWS_KEY_ARN});
 *   <li>{@code vault}: the wrapped DEK is a Vault Transit ciphertext string, {@code vault:v1:} and
 *       the base64 of the key's ciphertext (97 bytes here; Vault's own are 89), KEK version
 *       {@code v1}.
 * </ul>
 * Benchmarks only: the padding is not a KMS format, and the keys live in this JVM's memory.
 */
public final class ShapedKmsProvider implements KmsProvider {

  static final String TYPE = "bench-shaped";
  static final String SHAPE = "envelope.kms.shape";
  /** An AWS KMS ciphertext blob for a 32-byte data key. */
  static final int AWS_BLOB = 184;

  private static final ConfigDef DEF = new ConfigDef()
      .define(SHAPE, Type.STRING, "aws", ConfigDef.ValidString.in("aws", "vault"),
          Importance.LOW, "Which KMS's header sizes to imitate: aws or vault. Benchmarks only.");

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
    boolean aws = new AbstractConfig(DEF, configs, false).getString(SHAPE).equals("aws");
    return new Shaped(InMemoryKms.named(TYPE).client(), aws);
  }

  /** Wraps with the in-memory KMS, then dresses the result in the chosen KMS's sizes. */
  private static final class Shaped implements KeyManagementService {
    private static final byte[] VAULT_PREFIX = "vault:v1:".getBytes(StandardCharsets.US_ASCII);
    private final KeyManagementService inner;
    private final boolean aws;

    Shaped(KeyManagementService inner, boolean aws) {
      this.inner = inner;
      this.aws = aws;
    }

    @Override
    public DataKey generateDataKey(String kekId, EncryptionContext context) {
      DataKey k = inner.generateDataKey(kekId, context);
      byte[] w = k.wrapped();
      byte[] plaintext = k.plaintext();
      try {
        if (aws) {
          if (w.length + 1 > AWS_BLOB) {
            throw new IllegalStateException("in-memory wrapped key longer than an AWS blob");
          }
          byte[] blob = new byte[AWS_BLOB]; // length, the in-memory wrapped key, zero padding
          blob[0] = (byte) w.length;
          System.arraycopy(w, 0, blob, 1, w.length);
          return new DataKey(plaintext, blob, kekId);
        }
        byte[] b64 = Base64.getEncoder().encode(w);
        byte[] vault = Arrays.copyOf(VAULT_PREFIX, VAULT_PREFIX.length + b64.length);
        System.arraycopy(b64, 0, vault, VAULT_PREFIX.length, b64.length);
        return new DataKey(plaintext, vault, "v1");
      } finally {
        Arrays.fill(plaintext, (byte) 0);
        k.destroy();
      }
    }

    @Override
    public byte[] unwrap(String kekId, byte[] wrappedKey, EncryptionContext context) {
      byte[] w;
      if (aws) {
        if (wrappedKey.length != AWS_BLOB || (wrappedKey[0] & 0xFF) + 1 > AWS_BLOB) {
          throw new KmsException(KmsException.Reason.INVALID_CIPHERTEXT, kekId, "not a blob");
        }
        w = Arrays.copyOfRange(wrappedKey, 1, 1 + (wrappedKey[0] & 0xFF));
      } else {
        w = Base64.getDecoder().decode(
            Arrays.copyOfRange(wrappedKey, VAULT_PREFIX.length, wrappedKey.length));
      }
      return inner.unwrap(kekId, w, context);
    }

    @Override
    public String describe() {
      return TYPE + "(" + (aws ? "aws" : "vault") + ")";
    }

    @Override
    public void close() {
      inner.close();
    }
  }
}
