package io.kafkaenvelope.testing;

import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;
import org.junit.jupiter.api.Assumptions;
import org.testcontainers.kafka.KafkaContainer;

/** Testcontainers' Apache Kafka container, for machines with a Docker engine. */
final class ContainerKafkaBroker implements KafkaBroker {

  static final String IMAGE = "apache/kafka:4.1.1";

  private final KafkaContainer container;
  private Admin admin;

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
  public synchronized Admin admin() {
    if (admin == null) {
      Properties p = new Properties();
      p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
      admin = Admin.create(p);
    }
    return admin;
  }

  @Override
  public void createTopic(String name, int partitions) {
    try {
      admin().createTopics(List.of(new NewTopic(name, partitions, (short) 1))).all()
          .get(30, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      if (!(e.getCause() instanceof TopicExistsException)) {
        throw new IllegalStateException("could not create topic " + name, e.getCause());
      }
    } catch (Exception e) {
      throw new IllegalStateException("could not create topic " + name, e);
    }
  }

  @Override
  public void restart() {
    // A restarted container gets new mapped ports, which clients cannot follow.
    Assumptions.abort("broker restart is only supported by the embedded broker");
  }

  @Override
  public synchronized void close() {
    if (admin != null) {
      admin.close();
    }
    container.stop();
  }
}
