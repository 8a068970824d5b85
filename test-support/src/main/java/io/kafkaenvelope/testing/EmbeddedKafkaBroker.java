package io.kafkaenvelope.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import kafka.server.BrokerServer;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;

/**
 * A real single-node Kafka broker in KRaft mode, started in this JVM from the Apache Kafka
 * artifacts on Maven Central (no Docker): one combined broker/controller process built with
 * Kafka's own {@code KafkaClusterTestKit}. The test kit pre-binds the broker's loopback port, so a
 * {@link #restart()} keeps its address and log directories and clients reconnect.
 */
public final class EmbeddedKafkaBroker extends AdminSupport {

  private final KafkaClusterTestKit cluster;
  private final String bootstrapServers;

  private EmbeddedKafkaBroker(KafkaClusterTestKit cluster, String bootstrapServers) {
    this.cluster = cluster;
    this.bootstrapServers = bootstrapServers;
  }

  /** Formats and starts a broker; ready when this returns. */
  public static EmbeddedKafkaBroker start() {
    return start(Map.of());
  }

  /** Starts a broker with extra broker settings. */
  public static EmbeddedKafkaBroker start(Map<String, String> brokerConfig) {
    try {
      Path base = Files.createTempDirectory("kafka-envelope-broker-");
      TestKitNodes nodes = new TestKitNodes.Builder()
          .setCombined(true)
          .setNumBrokerNodes(1)
          .setNumControllerNodes(1)
          .setBaseDirectory(base)
          .build();
      KafkaClusterTestKit.Builder builder = new KafkaClusterTestKit.Builder(nodes)
          .setConfigProp("offsets.topic.replication.factor", "1")
          .setConfigProp("offsets.topic.num.partitions", "3")
          .setConfigProp("transaction.state.log.replication.factor", "1")
          .setConfigProp("transaction.state.log.min.isr", "1")
          .setConfigProp("transaction.state.log.num.partitions", "3")
          .setConfigProp("group.initial.rebalance.delay.ms", "0")
          .setConfigProp("auto.create.topics.enable", "true")
          .setConfigProp("num.partitions", "1")
          .setConfigProp("log.flush.interval.messages", "1")
          .setDeleteOnClose(true);
      brokerConfig.forEach(builder::setConfigProp);
      KafkaClusterTestKit cluster = builder.build();
      cluster.format();
      cluster.startup();
      cluster.waitForReadyBrokers();
      return new EmbeddedKafkaBroker(cluster, cluster.bootstrapServers());
    } catch (Exception e) {
      throw new IllegalStateException("could not start the embedded Kafka broker", e);
    }
  }

  @Override
  public String bootstrapServers() {
    return bootstrapServers;
  }



  /**
   * Stops the broker (the controller keeps running), starts it again on the same port and returns
   * once it leads every partition again.
   */
  @Override
  public void restart() {
    List<BrokerServer> brokers = new ArrayList<>(cluster.brokers().values());
    for (BrokerServer b : brokers) {
      b.shutdown();
      b.awaitShutdown();
    }
    for (BrokerServer b : brokers) {
      b.startup();
    }
    if (!cluster.bootstrapServers().equals(bootstrapServers)) {
      throw new IllegalStateException("restarted broker moved from " + bootstrapServers + " to "
          + cluster.bootstrapServers());
    }
    awaitAllTopicsWritable();
  }

  @Override
  public synchronized void close() {
    try {
      closeAdmin();
      cluster.close();
    } catch (Exception e) {
      throw new IllegalStateException("could not stop the embedded broker", e);
    }
  }
}
