package io.kafkaenvelope.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ForkedKafkaBrokerTest {

  @Test
  void brokerInAChildJvmServesClientsAndRestarts() throws Exception {
    String bootstrap;
    try (ForkedKafkaBroker broker = ForkedKafkaBroker.start()) {
      bootstrap = broker.bootstrapServers();
      EmbeddedKafkaBrokerTest.assertSurvivesRestart(broker);
    }
    // close() stops the child: nothing listens on its port any more
    String[] hostPort = bootstrap.split(",")[0].split(":");
    assertFalse(listening(hostPort[0], Integer.parseInt(hostPort[1])), bootstrap);
  }

  /** The jar users get names no path of the machine that built it (issue 17). */
  @Test
  void theBrokerClasspathFileHoldsNoMachinePath() throws Exception {
    String listing;
    try (InputStream in =
        ForkedKafkaBroker.class.getResourceAsStream(ForkedKafkaBroker.CLASSPATH_RESOURCE)) {
      listing = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
    }
    String[] entries = listing.split("\\|");
    assertTrue(entries.length > 20, "the broker's jars: " + entries.length);
    for (String e : entries) {
      assertTrue(e.startsWith(ForkedKafkaBroker.REPO_PLACEHOLDER + "/"), e);
    }
    assertFalse(listing.contains(System.getProperty("user.home")), "no home directory");
    assertFalse(listing.contains(ForkedKafkaBroker.localRepository().toString()));
    assertTrue(listing.contains("/org/apache/kafka/kafka_2.13/"), "the broker jar is listed");
  }

  @Test
  void entriesResolveAgainstTheLocalRepositoryAndAMissingJarIsNamed(@TempDir Path repo)
      throws Exception {
    Path jar = repo.resolve("org/example/a/1.0/a-1.0.jar");
    Files.createDirectories(jar.getParent());
    Files.write(jar, new byte[] {1});
    String p = ForkedKafkaBroker.REPO_PLACEHOLDER;
    assertEquals(List.of(jar.toString()),
        ForkedKafkaBroker.resolve(p + "/org/example/a/1.0/a-1.0.jar", repo));
    IllegalStateException missing = assertThrows(IllegalStateException.class,
        () -> ForkedKafkaBroker.resolve(p + "/org/example/a/1.0/a-1.0.jar|" + p
            + "/org/example/b/2.0/b-2.0.jar", repo));
    assertTrue(missing.getMessage().contains("b-2.0.jar")
        && missing.getMessage().contains("maven.repo.local"), missing.getMessage());
    assertThrows(IllegalStateException.class,
        () -> ForkedKafkaBroker.resolve("/home/builder/.m2/repository/x.jar", repo));
  }

  private static boolean listening(String host, int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(host, port), 500);
      return true;
    } catch (Exception e) {
      return false;
    }
  }
}
