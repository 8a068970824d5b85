package io.kafkaenvelope.testing;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The embedded KRaft broker in a child JVM ({@link BrokerMain}), on the broker's own classpath as
 * this module was built with it. The test JVM then holds only client classes, so the integration
 * suite can run with a different kafka-clients release (3.x) against the same real broker.
 */
final class ForkedKafkaBroker extends AdminSupport {

  /** Written at build time by the maven-dependency-plugin: this module's runtime classpath. */
  static final String CLASSPATH_RESOURCE = "/io/kafkaenvelope/testing/broker.classpath";
  /** How that file names the local Maven repository (no machine's path is written into it). */
  static final String REPO_PLACEHOLDER = "M2_REPO";
  private static final long START_TIMEOUT_S = 120;
  /** WARN and up to the log file; logback's default would be DEBUG to the stdout we drain. */
  private static final String LOGBACK_RESOURCE =
      "io/kafkaenvelope/testing/forked-broker-logback.xml";

  private final Process process;
  private final Writer commands;
  private final BlockingQueue<String> replies;
  private final String bootstrapServers;

  private ForkedKafkaBroker(Process process, BlockingQueue<String> replies) throws IOException {
    this.process = process;
    this.replies = replies;
    this.commands = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
    this.bootstrapServers = await("READY ").substring("READY ".length());
  }

  static ForkedKafkaBroker start() {
    try {
      Path log = Files.createTempFile("kafka-envelope-forked-broker-", ".log");
      Process p = new ProcessBuilder(
              Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
              "-Xmx768m", "-Dlogback.configurationFile=" + LOGBACK_RESOURCE,
              "-cp", brokerClasspath(), BrokerMain.class.getName())
          .redirectError(log.toFile())
          .start();
      BlockingQueue<String> replies = new LinkedBlockingQueue<>();
      Thread reader = new Thread(() -> drain(p.getInputStream(), replies), "forked-broker-out");
      reader.setDaemon(true);
      reader.start();
      try {
        return new ForkedKafkaBroker(p, replies);
      } catch (RuntimeException | IOException e) {
        p.destroyForcibly();
        throw new IllegalStateException("forked broker did not start; its log: " + log, e);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("could not fork the broker JVM", e);
    }
  }

  private static String brokerClasspath() throws IOException {
    try (InputStream in = ForkedKafkaBroker.class.getResourceAsStream(CLASSPATH_RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(CLASSPATH_RESOURCE + " is missing: build test-support "
            + "with Maven, which writes it");
      }
      String self = Paths.get(BrokerMain.class.getProtectionDomain().getCodeSource().getLocation()
          .toURI()).toString();
      List<String> entries = new ArrayList<>();
      entries.add(self);
      entries.addAll(resolve(new String(in.readAllBytes(), StandardCharsets.UTF_8),
          localRepository()));
      return String.join(File.pathSeparator, entries);
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * The broker's jars as written at build time ({@code |}-separated, each under the placeholder
   * {@link #REPO_PLACEHOLDER}) resolved against {@code localRepository}; fails naming the first
   * jar that is not there.
   */
  static List<String> resolve(String listing, Path localRepository) {
    List<String> out = new ArrayList<>();
    for (String entry : listing.trim().split("\\|")) {
      if (entry.isBlank()) {
        continue;
      }
      if (!entry.startsWith(REPO_PLACEHOLDER + "/")) {
        throw new IllegalStateException("broker classpath entry outside the local repository: "
            + entry);
      }
      Path jar = localRepository.resolve(entry.substring(REPO_PLACEHOLDER.length() + 1));
      if (!Files.isRegularFile(jar)) {
        throw new IllegalStateException("the forked broker needs " + jar + ", which is not in "
            + "the local Maven repository " + localRepository + " (set -Dmaven.repo.local if "
            + "yours is elsewhere, or let Maven download test-support's dependencies)");
      }
      out.add(jar.toString());
    }
    return out;
  }

  /** {@code maven.repo.local} when set (Maven's own property), else ~/.m2/repository. */
  static Path localRepository() {
    String configured = System.getProperty("maven.repo.local");
    return configured != null && !configured.isBlank() ? Path.of(configured)
        : Path.of(System.getProperty("user.home"), ".m2", "repository");
  }

  /** Keeps the child's stdout flowing (a full pipe would block it) and picks out our replies. */
  private static void drain(InputStream out, BlockingQueue<String> replies) {
    try (BufferedReader r =
        new BufferedReader(new InputStreamReader(out, StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        if (line.startsWith(BrokerMain.PREFIX + " ")) {
          replies.add(line.substring(BrokerMain.PREFIX.length() + 1));
        }
      }
    } catch (IOException e) {
      // the child exited; await() reports it
    }
  }

  private String await(String expected) {
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(START_TIMEOUT_S);
      while (System.nanoTime() < deadline) {
        String reply = replies.poll(200, TimeUnit.MILLISECONDS);
        if (reply != null && reply.startsWith(expected)) {
          return reply;
        }
        if (reply == null && !process.isAlive()) {
          throw new IllegalStateException("forked broker exited with " + process.exitValue());
        }
      }
      throw new IllegalStateException("forked broker did not answer '" + expected.trim()
          + "' within " + START_TIMEOUT_S + " s");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted waiting for the forked broker", e);
    }
  }

  private void send(String command) {
    try {
      commands.write(command + "\n");
      commands.flush();
    } catch (IOException e) {
      throw new UncheckedIOException("forked broker is gone", e);
    }
  }

  @Override
  public String bootstrapServers() {
    return bootstrapServers;
  }



  @Override
  public void restart() {
    send("restart");
    await("RESTARTED");
    awaitAllTopicsWritable(); // as the child saw it; checked again from this JVM's client
  }

  @Override
  public synchronized void close() {
    closeAdmin();
    try {
      send("stop");
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (UncheckedIOException e) {
      process.destroyForcibly();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }
}
