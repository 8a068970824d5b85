package io.kafkaenvelope.notink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkaenvelope.internal.crypto.TinkCheck;
import io.kafkaenvelope.serde.EncryptingSerializer;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * Issue 17, Tink off the core path: serde-core declares Tink (and with it protobuf-java, 4.3 MB
 * together) optional. A child JVM on this module's test classpath without those jars runs
 * {@link NoTinkMain}: record mode with the in-memory KMS works end to end, and
 * {@code envelope.kms.type=local}, {@code envelope.mode=deterministic} and a deterministic record
 * fail with messages naming the dependency to add.
 */
class NoTinkTest {

  @Test
  void recordModeRunsWithoutTinkAndItsFeaturesNameTheDependency() throws Exception {
    String classpath = System.getProperty("surefire.test.class.path",
        System.getProperty("java.class.path"));
    List<String> kept = new ArrayList<>();
    List<String> dropped = new ArrayList<>();
    for (String entry : classpath.split(File.pathSeparator)) {
      String name = Path.of(entry).getFileName().toString();
      (name.startsWith("tink-") || name.startsWith("protobuf-java-") ? dropped : kept)
          .add(entry);
    }
    assertEquals(2, dropped.size(), "tink and protobuf-java were on the classpath: " + dropped);

    Map<String, Object> c = Map.of("envelope.kms.type", "in-memory",
        "envelope.kms.memory.name", "with-tink", "envelope.kek.id", "kek-1",
        "envelope.mode", "deterministic");
    byte[] deterministic;
    try (EncryptingSerializer<String> s = new EncryptingSerializer<>(new StringSerializer())) {
      s.configure(c, true);
      deterministic = s.serialize("orders", "customer-1");
    }

    Path out = Files.createTempFile("no-tink", ".log");
    Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java")
        .toString(), "-cp", String.join(File.pathSeparator, kept), NoTinkMain.class.getName(),
        HexFormat.of().formatHex(deterministic))
        .redirectErrorStream(true).redirectOutput(out.toFile()).start();
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the child JVM finished");
    String log = Files.readString(out, StandardCharsets.UTF_8);
    assertEquals(0, p.exitValue(), log);
    assertTrue(log.contains("NO-TINK-OK"), log);
    assertFalse(log.contains("NoClassDefFoundError"), log);
  }

  /** The version the messages name is the one the build uses. */
  @Test
  void theNamedVersionIsTheBuildsTinkVersion() throws Exception {
    String pom = Files.readString(Path.of("..", "pom.xml"));
    Matcher m = Pattern.compile("<tink.version>([^<]+)</tink.version>").matcher(pom);
    assertTrue(m.find());
    assertEquals(m.group(1), TinkCheck.VERSION);
    assertTrue(Arrays.asList(TinkCheck.missing("x").split(" ")).contains(TinkCheck.DEPENDENCY));
  }
}
