package io.kafkaenvelope.internal.compress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkaenvelope.internal.crypto.AesGcm;
import io.kafkaenvelope.internal.wire.SealedRecord;
import io.kafkaenvelope.testing.TestConfigs;
import io.kafkaenvelope.internal.wire.EnvelopeHeader;
import io.kafkaenvelope.internal.wire.InlineFrame;
import io.kafkaenvelope.internal.wire.Role;
import java.io.File;
import java.lang.reflect.InvocationTargetException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * lz4-java and zstd-jni are optional (kafka-clients brings them): without them a serializer
 * configured for that codec fails at configure() with a ConfigException naming the jar, and
 * a consumer fails such records with a typed error naming it; everything else keeps working.
 * Runs serde-core in a class loader that hides the codec jars.
 */
class MissingCodecTest {

  /** The test class path without lz4-java and zstd-jni, the JDK as parent. */
  private static ClassLoader withoutCodecJars() throws Exception {
    String cp = System.getProperty("surefire.test.class.path",
        System.getProperty("java.class.path"));
    List<URL> urls = new ArrayList<>();
    for (String entry : cp.split(File.pathSeparator)) {
      String name = new File(entry).getName();
      if (!entry.isEmpty() && !name.startsWith("lz4-java") && !name.startsWith("zstd-jni")) {
        urls.add(new File(entry).toURI().toURL());
      }
    }
    return new URLClassLoader(urls.toArray(new URL[0]), ClassLoader.getPlatformClassLoader());
  }

  /** Kafka resolves class names through the context class loader, so it is set to ours. */
  private static void configure(ClassLoader loader, Class<?> serializer, Object s,
      Map<String, Object> configs) throws Exception {
    Thread t = Thread.currentThread();
    ClassLoader previous = t.getContextClassLoader();
    t.setContextClassLoader(loader);
    try {
      serializer.getMethod("configure", Map.class, boolean.class).invoke(s, configs, false);
    } finally {
      t.setContextClassLoader(previous);
    }
  }

  @ParameterizedTest
  @CsvSource({"lz4, lz4-java", "zstd, zstd-jni"})
  void configureFailsNamingTheJar(String codec, String jar) throws Exception {
    ClassLoader loader = withoutCodecJars();
    Class<?> serializer = loader.loadClass("io.kafkaenvelope.serde.EncryptingSerializer");
    Object s = serializer.getConstructor().newInstance();
    Map<String, Object> configs = TestConfigs.base(TestConfigs.newKmsName());
    configs.put("envelope.compression.type", codec);
    configs.put("envelope.kms.type", "in-memory");
    Throwable thrown = null;
    try {
      configure(loader, serializer, s, configs);
    } catch (InvocationTargetException e) {
      thrown = e.getCause();
    }
    assertTrue(thrown != null, "configure must fail without " + jar);
    assertEquals("org.apache.kafka.common.config.ConfigException", thrown.getClass().getName());
    assertTrue(thrown.getMessage().contains("envelope.compression.type"), thrown.getMessage());
    assertTrue(thrown.getMessage().contains(jar), thrown.getMessage());
  }

  @Test
  void aConsumerWithoutTheJarFailsTheRecordNamingIt() throws Exception {
    // An lz4 record, inline-framed, forged under the test KMS "fixed"'s known key.
    byte[] dek = new byte[32];
    byte[] wrapped = {1, 2, 3};
    byte[] header = EnvelopeHeader.create(Role.VALUE, new byte[16], "t", "kek", null, wrapped, 0,
        Codecs.LZ4).encodedUnsafe();
    byte[] data = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".getBytes(
        StandardCharsets.UTF_8);
    byte[] packed = new byte[64];
    int n = Codecs.forId(Codecs.LZ4).compress(data, 0, data.length, packed, 4);
    packed[3] = (byte) data.length;

    byte[] frame = new byte[InlineFrame.prefixLength(header.length)
        + SealedRecord.sealedLength(4 + n)];
    int nonceOffset = InlineFrame.writePrefix(frame, header);
    frame[nonceOffset + 11] = 1;
    AesGcm.seal(new SecretKeySpec(dek, "AES"), header, frame, 0, 0, nonceOffset, packed, 0, 4 + n);

    ClassLoader loader = withoutCodecJars();
    Class<?> deserializer = loader.loadClass("io.kafkaenvelope.serde.DecryptingDeserializer");
    Object d = deserializer.getConstructor().newInstance();
    Map<String, Object> configs = Map.of("envelope.kms.type", "fixed",
        "envelope.kms.fixed.dek", HexFormat.of().formatHex(dek),
        "envelope.kms.fixed.wrapped", HexFormat.of().formatHex(wrapped),
        "envelope.kek.id", "kek",
        "envelope.inner.deserializer",
            "org.apache.kafka.common.serialization.ByteArrayDeserializer");
    Thread t = Thread.currentThread();
    ClassLoader previous = t.getContextClassLoader();
    t.setContextClassLoader(loader);
    Throwable thrown = null;
    try {
      deserializer.getMethod("configure", Map.class, boolean.class).invoke(d, configs, false);
      deserializer.getMethod("deserialize", String.class, byte[].class).invoke(d, "t", frame);
    } catch (InvocationTargetException e) {
      thrown = e.getCause();
    } finally {
      t.setContextClassLoader(previous);
    }
    assertTrue(thrown != null, "reading an lz4 record without lz4-java must fail");
    assertEquals("io.kafkaenvelope.serde.EnvelopeException", thrown.getClass().getName());
    assertTrue(thrown.getMessage().contains("MISCONFIGURED"), thrown.getMessage());
    assertTrue(thrown.getMessage().contains("lz4-java"), thrown.getMessage());
  }

  @Test
  void gzipAndNoneNeedNoExtraJar() throws Exception {
    ClassLoader loader = withoutCodecJars();
    Class<?> codecs = loader.loadClass(Codecs.class.getName());
    Object gzip = codecs.getMethod("forId", int.class).invoke(null, Codecs.GZIP);
    assertEquals("gzip", loader.loadClass(Codec.class.getName()).getMethod("name").invoke(gzip));
    Class<?> serializer = loader.loadClass("io.kafkaenvelope.serde.EncryptingSerializer");
    for (String codec : new String[] {"none", "gzip"}) {
      Object s = serializer.getConstructor().newInstance();
      Map<String, Object> configs = TestConfigs.base(TestConfigs.newKmsName());
      configs.put("envelope.compression.type", codec);
      configs.put("envelope.kms.type", "in-memory");
      configure(loader, serializer, s, configs);
      serializer.getMethod("close").invoke(s);
    }
  }
}
