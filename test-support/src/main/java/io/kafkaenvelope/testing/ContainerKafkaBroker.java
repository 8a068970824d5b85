package io.kafkaenvelope.testing;

import org.junit.jupiter.api.Assumptions;
import org.testcontainers.kafka.KafkaContainer;

/** Testcontainers' Apache Kafka container, for machines with a Docker engine. */
final class ContainerKafkaBroker extends AdminSupport {

  static final String IMAGE = "apache/kafka:4.1.1";

  private final KafkaContainer container;

  private ContainerKafkaBroker(KafkaContainer container) {
    this.container = container;
  }

  static ContainerKafkaBroker start() {
    KafkaContainer c = new KafkaContainer(IMAGE);
    c.start();
    return new ContainerKafkaBroker(c);
  }

  @Override
  public String bootstrapServers() {
    return container.getBootstrapServers();
  }



  @Override
  public void restart() {
    // A restarted container gets new mapped ports, which clients cannot follow.
    Assumptions.abort("broker restart is only supported by the embedded broker");
  }

  @Override
  public synchronized void close() {
    closeAdmin();
    container.stop();
  }
}
