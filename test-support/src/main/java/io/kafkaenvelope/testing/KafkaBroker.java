package io.kafkaenvelope.testing;

import org.apache.kafka.clients.admin.Admin;

/** A Kafka broker for tests: in-process KRaft ({@link EmbeddedKafkaBroker}) or a container. */
public interface KafkaBroker extends AutoCloseable {

  String bootstrapServers();

  /** A shared admin client; closed with the broker. */
  Admin admin();

  /** Creates a topic with replication factor 1; an existing topic is left as it is. */
  void createTopic(String name, int partitions);

  /** Stops and starts the broker, keeping its data and address. */
  void restart();

  @Override
  void close();
}
