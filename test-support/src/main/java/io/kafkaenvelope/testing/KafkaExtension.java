package io.kafkaenvelope.testing;

import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.testcontainers.DockerClientFactory;

/**
 * Starts one Kafka broker per test class and stops it after the class:
 *
 * <pre>
 * &#64;RegisterExtension static final KafkaExtension KAFKA = new KafkaExtension();
 * </pre>
 *
 * By default the broker is a real KRaft broker in this JVM ({@link EmbeddedKafkaBroker}). With
 * {@code -Dkafka-envelope.broker=forked} the same broker runs in a child JVM, so the tests may use
 * another kafka-clients release than the broker's (the 3.x compatibility run). With
 * {@code -Dkafka-envelope.broker=testcontainers} it is Testcontainers' Kafka container instead;
 * without a Docker engine the class's tests are then skipped, never failed.
 *
 * <p>Every test must close the clients it made: after each test, a Kafka client thread (producer,
 * consumer, Streams, admin) that was not running before it and is still running 10 s later fails
 * the test. A client left open keeps retrying against the broker and the tests that follow.
 */
public final class KafkaExtension
    implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback {

  /**
   * System property choosing the broker: {@code embedded} (default), {@code forked} or
   * {@code testcontainers}.
   */
  public static final String MODE_PROPERTY = "kafka-envelope.broker";

  /** Threads of kafka-clients and kafka-streams, by name. */
  private static final Pattern CLIENT_THREAD = Pattern.compile(
      "kafka-producer-network-thread.*|kafka-coordinator-heartbeat-thread.*"
          + "|consumer_background_thread.*|kafka-admin-client-thread.*|.*-StreamThread-\\d+"
          + "|.*-GlobalStreamThread|kafka-streams-close-thread");
  private static final long LEAK_GRACE_MS = 10_000;

  private KafkaBroker broker;
  private Set<Thread> clientThreadsBefore = Set.of();

  @Override
  public void beforeAll(ExtensionContext context) {
    String mode = System.getProperty(MODE_PROPERTY, "embedded").toLowerCase(Locale.ROOT);
    switch (mode) {
      case "embedded":
        broker = EmbeddedKafkaBroker.start();
        break;
      case "forked":
        broker = ForkedKafkaBroker.start();
        break;
      case "testcontainers":
        Assumptions.assumeTrue(dockerAvailable(),
            "no Docker engine: Testcontainers broker mode skipped");
        broker = ContainerKafkaBroker.start();
        break;
      default:
        throw new IllegalArgumentException(MODE_PROPERTY + " must be embedded, forked or "
            + "testcontainers, not " + mode);
    }
  }

  @Override
  public void afterAll(ExtensionContext context) {
    if (broker != null) {
      broker.close();
      broker = null;
    }
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    clientThreadsBefore = clientThreads();
  }

  @Override
  public void afterEach(ExtensionContext context) throws InterruptedException {
    long deadline = System.currentTimeMillis() + LEAK_GRACE_MS;
    Set<Thread> leaked = leakedClientThreads();
    while (!leaked.isEmpty() && System.currentTimeMillis() < deadline) {
      Thread.sleep(50);
      leaked = leakedClientThreads();
    }
    if (!leaked.isEmpty()) {
      throw new AssertionError(context.getDisplayName() + " left Kafka clients running: "
          + leaked.stream().map(Thread::getName).sorted().toList());
    }
  }

  private Set<Thread> leakedClientThreads() {
    Set<Thread> now = clientThreads();
    now.removeAll(clientThreadsBefore);
    now.removeIf(t -> t.getName().endsWith(AdminSupport.ADMIN_CLIENT_ID)); // the broker's own
    return now;
  }

  private static Set<Thread> clientThreads() {
    Set<Thread> out = new HashSet<>();
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.isAlive() && CLIENT_THREAD.matcher(t.getName()).matches()) {
        out.add(t);
      }
    }
    return out;
  }

  /** The running broker. */
  public KafkaBroker broker() {
    if (broker == null) {
      throw new IllegalStateException("the broker starts in beforeAll: register the extension "
          + "on a static field");
    }
    return broker;
  }

  /** Whether Testcontainers finds a Docker engine. */
  public static boolean dockerAvailable() {
    try {
      return DockerClientFactory.instance().isDockerAvailable();
    } catch (Throwable t) {
      return false;
    }
  }
}
