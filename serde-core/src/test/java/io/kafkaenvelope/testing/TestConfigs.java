package io.kafkaenvelope.testing;

import io.kafkaenvelope.kms.memory.InMemoryKms;
import io.kafkaenvelope.serde.DecryptingDeserializer;
import io.kafkaenvelope.serde.EncryptingSerializer;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** Configuration maps for tests: each call gets a fresh in-memory KMS so counts are its own. */
public final class TestConfigs {

  /** Every test record contains this, so a leak of plaintext into logs or bytes can be found. */
  public static final String MARKER = "PLAINTEXT-MARKER-7f3a";

  private static final AtomicInteger SEQ = new AtomicInteger();

  private TestConfigs() {}

  /** A unique in-memory KMS name. */
  public static String newKmsName() {
    return "test-kms-" + SEQ.incrementAndGet();
  }

  /** Producer and consumer settings against the recording in-memory KMS {@code kmsName}. */
  public static Map<String, Object> base(String kmsName) {
    Map<String, Object> m = new HashMap<>();
    m.put("envelope.kms.type", "recording");
    m.put("envelope.kms.memory.name", kmsName);
    m.put("envelope.kek.id", "kek-1");
    m.put("envelope.inner.serializer", "org.apache.kafka.common.serialization.StringSerializer");
    m.put("envelope.inner.deserializer",
        "org.apache.kafka.common.serialization.StringDeserializer");
    m.put("envelope.kms.failure.backoff.ms", 200L);
    return m;
  }

  public static InMemoryKms kms(String name) {
    return InMemoryKms.named(name);
  }

  /** An encrypting serializer of raw bytes, configured with {@code configs}. */
  public static EncryptingSerializer<byte[]> bytesSerializer(Map<String, Object> configs,
      boolean isKey) {
    EncryptingSerializer<byte[]> s = new EncryptingSerializer<>(new ByteArraySerializer());
    s.configure(configs, isKey);
    return s;
  }

  /**
   * A decrypting deserializer of raw bytes with only the {@link #base} settings of KMS
   * {@code kmsName}: readers need no setting for what the envelope header describes.
   */
  public static DecryptingDeserializer<byte[]> bytesDeserializer(String kmsName, boolean isKey) {
    DecryptingDeserializer<byte[]> d = new DecryptingDeserializer<>(new ByteArrayDeserializer());
    d.configure(base(kmsName), isKey);
    return d;
  }
}
