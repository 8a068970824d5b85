package io.kafkaenvelope.connect;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.kafka.connect.cli.ConnectStandalone;
import org.apache.kafka.connect.runtime.Connect;
import org.apache.kafka.connect.runtime.Herder;
import org.apache.kafka.connect.runtime.rest.entities.ConnectorInfo;
import org.apache.kafka.connect.runtime.rest.entities.ConnectorStateInfo;
import org.apache.kafka.connect.runtime.standalone.StandaloneHerder;
import org.apache.kafka.connect.util.FutureCallback;

/**
 * A real Kafka Connect worker in this JVM: Apache Kafka's own standalone mode ({@code
 * ConnectStandalone}: plugins, {@code Worker}, {@code StandaloneHerder}, REST server on a free
 * loopback port), against a broker of test-support. Offsets go to a file in a temporary
 * directory; connectors are started and deleted through the herder, as the REST API would.
 */
final class ConnectWorker implements AutoCloseable {

  private static final long TIMEOUT_MS = 60_000;

  private final Connect<StandaloneHerder> connect;
  private final Path dir;

  private ConnectWorker(Connect<StandaloneHerder> connect, Path dir) {
    this.connect = connect;
    this.dir = dir;
  }

  /** Starts a worker whose own clients (and so its tasks' producers) use {@code bootstrap}. */
  static ConnectWorker start(String bootstrap) {
    try {
      Path dir = Files.createTempDirectory("kafka-envelope-connect-");
      Map<String, String> props = new HashMap<>();
      props.put("bootstrap.servers", bootstrap);
      props.put("key.converter", "org.apache.kafka.connect.storage.StringConverter");
      props.put("value.converter", "org.apache.kafka.connect.storage.StringConverter");
      props.put("offset.storage.file.filename", dir.resolve("offsets").toString());
      // source offsets and sink flushes (FileStreamSink writes on flush) every half second
      props.put("offset.flush.interval.ms", "500");
      props.put("listeners", "http://127.0.0.1:0");
      // plugins from their META-INF/services manifests: no reflective scan of the classpath
      props.put("plugin.discovery", "service_load");
      props.put("task.shutdown.graceful.timeout.ms", "10000");
      return new ConnectWorker(new ConnectStandalone().startConnect(props), dir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A file in the worker's temporary directory. */
  Path file(String name) {
    return dir.resolve(name);
  }

  Herder herder() {
    return connect.herder();
  }

  /** Creates (or replaces) a connector and waits until it and {@code tasks} tasks run. */
  void startConnector(String name, Map<String, String> config, int tasks) {
    createConnector(name, config);
    awaitState(name, s -> "RUNNING".equals(s.connector().state()) && s.tasks().size() == tasks
        && s.tasks().stream().allMatch(t -> "RUNNING".equals(t.state())),
        "running with " + tasks + " task(s)");
  }

  /** Creates (or replaces) a connector; returns once the herder accepted its configuration. */
  void createConnector(String name, Map<String, String> config) {
    Map<String, String> named = new HashMap<>(config);
    named.put("name", name);
    FutureCallback<Herder.Created<ConnectorInfo>> cb = new FutureCallback<>();
    connect.herder().putConnectorConfig(name, named, true, cb);
    try {
      cb.get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      throw new AssertionError("could not create connector " + name + ": " + e, e);
    }
  }

  /** Waits until the connector's status satisfies {@code done}; returns that status. */
  ConnectorStateInfo awaitState(String name, Predicate<ConnectorStateInfo> done, String what) {
    long deadline = System.currentTimeMillis() + TIMEOUT_MS;
    ConnectorStateInfo last = null;
    while (System.currentTimeMillis() < deadline) {
      try {
        last = connect.herder().connectorStatus(name);
        if (done.test(last)) {
          return last;
        }
      } catch (RuntimeException notYet) {
        // not known to the herder yet
      }
      pause();
    }
    throw new AssertionError(name + " not " + what + " in " + TIMEOUT_MS + " ms: "
        + describe(last));
  }

  /** Deletes the connector; its tasks (and their clients) are stopped when this returns. */
  void deleteConnector(String name) {
    FutureCallback<Herder.Created<ConnectorInfo>> cb = new FutureCallback<>();
    connect.herder().deleteConnectorConfig(name, cb);
    try {
      cb.get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      throw new AssertionError("could not delete connector " + name + ": " + e, e);
    }
  }

  /** Waits until {@code file} holds at least {@code n} lines; returns them all. */
  static List<String> awaitLines(Path file, int n) {
    long deadline = System.currentTimeMillis() + TIMEOUT_MS;
    List<String> lines = List.of();
    while (System.currentTimeMillis() < deadline) {
      lines = readLines(file);
      if (lines.size() >= n) {
        return lines;
      }
      pause();
    }
    throw new AssertionError(file.getFileName() + ": " + lines.size() + " of " + n
        + " lines in " + TIMEOUT_MS + " ms");
  }

  static List<String> readLines(Path file) {
    try {
      return Files.exists(file) ? Files.readAllLines(file) : List.of();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String describe(ConnectorStateInfo s) {
    if (s == null) {
      return "no status";
    }
    StringBuilder sb = new StringBuilder("connector ").append(s.connector().state());
    for (ConnectorStateInfo.TaskState t : s.tasks()) {
      sb.append(", task ").append(t.id()).append(' ').append(t.state());
      if (t.trace() != null) {
        sb.append(": ").append(t.trace());
      }
    }
    return sb.toString();
  }

  private static void pause() {
    try {
      Thread.sleep(100);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }

  @Override
  public void close() {
    connect.stop();
    connect.awaitStop();
  }
}
