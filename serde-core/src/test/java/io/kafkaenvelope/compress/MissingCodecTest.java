package io.kafkaenvelope.compress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkaenvelope.testing.TestConfigs;
import java.io.File;
import java.lang.reflect.InvocationTargetException;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * lz4-java and zstd-jni are optional (kafka-clients brings them): without them a serializer
 * configured for that codec fails at configure() with a ConfigException naming the jar, and
 * everything else keeps working. Runs serde-core in a class loader that hides the codec jars.
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
