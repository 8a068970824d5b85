package io.kafkaenvelope.testing;

import java.util.Locale;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
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
 */
public final class KafkaExtension implements BeforeAllCallback, AfterAllCallback {

  /**
   * System property choosing the broker: {@code embedded} (default), {@code forked} or
   * {@code testcontainers}.
   */
  public static final String MODE_PROPERTY = "kafka-envelope.broker";

  private KafkaBroker broker;

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
