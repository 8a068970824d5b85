package io.kafkaenvelope.testing;

import static org.junit.jupiter.api.Assertions.assertFalse;

import java.net.InetSocketAddress;
import java.net.Socket;
import org.junit.jupiter.api.Test;

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

  private static boolean listening(String host, int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(host, port), 500);
      return true;
    } catch (Exception e) {
      return false;
    }
  }
}
