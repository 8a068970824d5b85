package io.kafkaenvelope.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import kafka.server.BrokerServer;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.common.config.SslConfigs;
import org.apache.kafka.common.network.ListenerName;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;

/**
 * A real single-node Kafka broker in KRaft mode, started in this JVM from the Apache Kafka
 * artifacts on Maven Central (no Docker): one combined broker/controller process built with
 * Kafka's own {@code KafkaClusterTestKit}. The test kit pre-binds the broker's loopback port, so a
 * {@link #restart()} keeps its address and log directories and clients reconnect.
 *
 * <p>{@link #startWithTls} adds a second client listener that speaks TLS 1.3 only, with a server
 * certificate from a throw-away CA made at start ({@link TestPki}; nothing is written to disk
 * beside the broker's own files): {@link #tlsBootstrapServers()} and {@link #tlsClientConfig()}
 * are what a client needs to use it. The plaintext listener stays, so one broker serves both and
 * a benchmark can alternate between them.
 */
public final class EmbeddedKafkaBroker extends AdminSupport {

  /** The TLS listener's name in the broker's {@code listeners}. */
  static final String TLS_LISTENER = "TLS";
  private static final String TLS_PROTOCOL = "TLSv1.3";

  private final KafkaClusterTestKit cluster;
  private final String bootstrapServers;
  /** The CA's certificate (PEM) that signed the TLS listener's; null without TLS. */
  private final String tlsCaPem;

  private EmbeddedKafkaBroker(KafkaClusterTestKit cluster, String bootstrapServers,
      String tlsCaPem) {
    this.cluster = cluster;
    this.bootstrapServers = bootstrapServers;
    this.tlsCaPem = tlsCaPem;
  }

  /** Formats and starts a broker; ready when this returns. */
  public static EmbeddedKafkaBroker start() {
    return start(Map.of());
  }

  /** Starts a broker with extra broker settings. */
  public static EmbeddedKafkaBroker start(Map<String, String> brokerConfig) {
    return start(brokerConfig, false);
  }

  /**
   * Starts a broker with extra broker settings and, beside its plaintext listener, a TLS 1.3
   * listener ({@link #tlsBootstrapServers()}) whose certificate (EC P-256, for {@code localhost}
   * and {@code 127.0.0.1}, valid for a day) a fresh CA signed at this call.
   */
  public static EmbeddedKafkaBroker startWithTls(Map<String, String> brokerConfig) {
    return start(brokerConfig, true);
  }

  private static EmbeddedKafkaBroker start(Map<String, String> brokerConfig, boolean tls) {
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
      String caPem = null;
      if (tls) {
        caPem = tlsListener(nodes, builder);
      }
      brokerConfig.forEach(builder::setConfigProp);
      KafkaClusterTestKit cluster = builder.build();
      cluster.format();
      cluster.startup();
      cluster.waitForReadyBrokers();
      return new EmbeddedKafkaBroker(cluster, cluster.bootstrapServers(), caPem);
    } catch (Exception e) {
      throw new IllegalStateException("could not start the embedded Kafka broker", e);
    }
  }

  /**
   * Adds the TLS listener to the test kit's two (the kit sets {@code listeners} only if absent, and
   * binds every {@code :0} listener through its pre-bound sockets, so the port survives a restart)
   * with the server's key and chain inline as PEM; returns the CA's certificate as PEM.
   */
  private static String tlsListener(TestKitNodes nodes, KafkaClusterTestKit.Builder builder)
      throws Exception {
    TestPki pki = new TestPki("kafka-envelope-embedded-broker-ca");
    String broker = nodes.brokerListenerName().value();
    String controller = nodes.controllerListenerName().value();
    String prefix = "listener.name." + TLS_LISTENER.toLowerCase(Locale.ROOT) + ".";
    builder.setConfigProp("listeners", broker + "://localhost:0," + controller
            + "://localhost:0," + TLS_LISTENER + "://localhost:0")
        .setConfigProp("listener.security.protocol.map", broker + ":"
            + nodes.brokerListenerProtocol().name + "," + controller + ":"
            + nodes.controllerListenerProtocol().name + "," + TLS_LISTENER + ":SSL")
        .setConfigProp(prefix + SslConfigs.SSL_KEYSTORE_TYPE_CONFIG, "PEM")
        .setConfigProp(prefix + SslConfigs.SSL_KEYSTORE_CERTIFICATE_CHAIN_CONFIG,
            TestPki.pem("CERTIFICATE", pki.server.getEncoded())
                + TestPki.pem("CERTIFICATE", pki.ca.getEncoded()))
        .setConfigProp(prefix + SslConfigs.SSL_KEYSTORE_KEY_CONFIG,
            TestPki.pem("PRIVATE KEY", pki.serverKeys.getPrivate().getEncoded()))
        .setConfigProp(prefix + SslConfigs.SSL_PROTOCOL_CONFIG, TLS_PROTOCOL)
        .setConfigProp(prefix + SslConfigs.SSL_ENABLED_PROTOCOLS_CONFIG, TLS_PROTOCOL);
    return TestPki.pem("CERTIFICATE", pki.ca.getEncoded());
  }

  @Override
  public String bootstrapServers() {
    return bootstrapServers;
  }

  /**
   * The TLS listener's address ({@code localhost:port}); only for a broker from
   * {@link #startWithTls}.
   */
  public String tlsBootstrapServers() {
    requireTls();
    BrokerServer b = cluster.brokers().values().iterator().next();
    return "localhost:" + b.boundPort(new ListenerName(TLS_LISTENER));
  }

  /**
   * Client settings for the TLS listener: {@code bootstrap.servers}, {@code security.protocol=SSL},
   * TLS 1.3 only, and a PEM trust store holding just this broker's CA (host name verification
   * stays on). Merge them into a producer's, consumer's or admin client's settings.
   */
  public Map<String, Object> tlsClientConfig() {
    requireTls();
    Map<String, Object> c = new HashMap<>();
    c.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, tlsBootstrapServers());
    c.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SSL");
    c.put(SslConfigs.SSL_PROTOCOL_CONFIG, TLS_PROTOCOL);
    c.put(SslConfigs.SSL_ENABLED_PROTOCOLS_CONFIG, TLS_PROTOCOL);
    c.put(SslConfigs.SSL_TRUSTSTORE_TYPE_CONFIG, "PEM");
    c.put(SslConfigs.SSL_TRUSTSTORE_CERTIFICATES_CONFIG, tlsCaPem);
    return c;
  }

  /**
   * The broker's log directories (one per disk; partition directories {@code topic-N} inside), for
   * tests that scan the stored segment files themselves.
   */
  public List<Path> logDirectories() {
    List<Path> dirs = new ArrayList<>();
    cluster.nodes().brokerNodes().values()
        .forEach(n -> n.logDataDirectories().forEach(d -> dirs.add(Path.of(d))));
    return dirs;
  }

  private void requireTls() {
    if (tlsCaPem == null) {
      throw new IllegalStateException("this broker has no TLS listener: start it with "
          + "EmbeddedKafkaBroker.startWithTls");
    }
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
