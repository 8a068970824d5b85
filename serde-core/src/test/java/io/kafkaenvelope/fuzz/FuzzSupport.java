package io.kafkaenvelope.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkaenvelope.internal.compress.Codec;
import io.kafkaenvelope.internal.compress.CorruptDataException;
import io.kafkaenvelope.internal.kms.LocalKmsProvider;
import io.kafkaenvelope.serde.DecryptingDeserializer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/** What the fuzz tests share: settings, the local KMS they decrypt with, the codec property. */
final class FuzzSupport {

  /**
   * {@code @FuzzTest(maxDuration)}: a regression run replays the corpus and ignores it; a fuzzing
   * run ({@code -Pfuzz}) overrides it with {@code JAZZER_MAX_DURATION}.
   */
  static final String REGRESSION_DURATION = "10s";
  /** Per-input timeout (JUnit's {@code @Timeout}, which Jazzer turns into libFuzzer's -timeout). */
  static final long TIMEOUT_SECONDS = 10;
  /** The decompression limit the deserializers under test run with. */
  static final int DECOMPRESSED_MAX = 4096;
  /** The largest output buffer the codec targets hand a decompressor. */
  static final int CODEC_MAX_OUT = 1 << 16;
  static final String KEK = "fuzz-kek";
  static final String TOPIC = "fuzz-topic";

  private static Path keysetDir;

  private FuzzSupport() {}

  /** One local-KMS keyset directory per JVM (a fresh KEK, created on first use). */
  static synchronized Path keysetDir() {
    if (keysetDir == null) {
      try {
        keysetDir = Files.createTempDirectory("fuzz-kms-");
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return keysetDir;
  }

  static Map<String, Object> configs(boolean allowPlaintext) {
    Map<String, Object> m = new HashMap<>();
    m.put("envelope.kms.type", "local");
    m.put(LocalKmsProvider.KEYSET_DIR, keysetDir().toString());
    m.put(LocalKmsProvider.CREATE_MISSING, true);
    m.put("envelope.kek.id", KEK);
    m.put("envelope.decompressed.max.bytes", DECOMPRESSED_MAX);
    m.put("envelope.provenance.mirror.source.aliases", "src");
    m.put("envelope.kms.failure.backoff.ms", 0L);
    if (allowPlaintext) {
      m.put("envelope.plaintext.policy", "allow");
    }
    return m;
  }

  static DecryptingDeserializer<byte[]> deserializer(boolean isKey, boolean allowPlaintext) {
    DecryptingDeserializer<byte[]> d = new DecryptingDeserializer<>(new ByteArrayDeserializer());
    d.configure(configs(allowPlaintext), isKey);
    return d;
  }

  /**
   * The decompressor property: input is {@code u16 output length | compressed bytes}. The codec
   * either throws {@link CorruptDataException} or returns at most the output length, writes
   * nothing outside its output window (guard bytes on both sides), and decodes the same way twice.
   */
  static void checkDecompress(Codec codec, byte[] input) {
    if (input.length < 2) {
      return;
    }
    int dstLength = ((input[0] & 0xFF) << 8 | (input[1] & 0xFF)) % (CODEC_MAX_OUT + 1);
    int srcLength = input.length - 2;
    byte[] src = new byte[3 + srcLength + 3]; // offsets on both sides
    Arrays.fill(src, (byte) 0x5A);
    System.arraycopy(input, 2, src, 3, srcLength);
    int dstOffset = 7;
    int guard = 16;
    byte[] dst = new byte[dstOffset + dstLength + guard];
    Arrays.fill(dst, (byte) 0xA5);
    int n;
    try {
      n = codec.decompress(src, 3, srcLength, dst, dstOffset, dstLength);
    } catch (CorruptDataException expected) {
      assertGuards(dst, dstOffset, dstLength);
      return;
    }
    assertTrue(n >= 0 && n <= dstLength, codec.name() + " returned " + n + " > " + dstLength);
    assertGuards(dst, dstOffset, dstLength);
    byte[] again = new byte[dstLength];
    assertEquals(n, codec.decompress(src, 3, srcLength, again, 0, dstLength));
    assertTrue(Arrays.equals(dst, dstOffset, dstOffset + n, again, 0, n), "deterministic");
  }

  private static void assertGuards(byte[] dst, int dstOffset, int dstLength) {
    for (int i = 0; i < dstOffset; i++) {
      assertEquals((byte) 0xA5, dst[i], "wrote before the output window");
    }
    for (int i = dstOffset + dstLength; i < dst.length; i++) {
      assertEquals((byte) 0xA5, dst[i], "wrote past the output window");
    }
  }
}
