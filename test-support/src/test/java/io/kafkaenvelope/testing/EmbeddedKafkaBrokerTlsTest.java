package io.kafkaenvelope.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.SslConfigs;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The optional TLS listener: TLS 1.3 with a fresh CA, beside the plaintext listener. */
class EmbeddedKafkaBrokerTlsTest {

  private static EmbeddedKafkaBroker broker;

  @BeforeAll
  static void start() {
    broker = EmbeddedKafkaBroker.startWithTls(Map.of());
  }

  @AfterAll
  static void stop() {
    broker.close();
  }

  @Test
  void recordsWrittenOverTlsAreReadOverPlaintextAndBack() throws Exception {
    assertNotEquals(broker.bootstrapServers(), broker.tlsBootstrapServers());
    broker.createTopic("tls-smoke", 1);
    try (KafkaProducer<String, String> p = new KafkaProducer<>(broker.tlsClientConfig(),
        new StringSerializer(), new StringSerializer())) {
      p.send(new ProducerRecord<>("tls-smoke", "k", "over-tls")).get(60, TimeUnit.SECONDS);
    }
    try (KafkaProducer<String, String> p = new KafkaProducer<>(Map.of(
        "bootstrap.servers", broker.bootstrapServers()),
        new StringSerializer(), new StringSerializer())) {
      p.send(new ProducerRecord<>("tls-smoke", "k", "over-plaintext")).get(60, TimeUnit.SECONDS);
    }
    Map<String, Object> cc = new HashMap<>(broker.tlsClientConfig());
    cc.put(ConsumerConfig.GROUP_ID_CONFIG, "tls-smoke");
    cc.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    try (KafkaConsumer<String, String> c = new KafkaConsumer<>(cc, new StringDeserializer(),
        new StringDeserializer())) {
      List<String> seen = TestClients.drain(c, "tls-smoke", 2).stream().map(r -> r.value())
          .toList();
      assertEquals(List.of("over-tls", "over-plaintext"), seen);
    }
  }

  /** The listener speaks TLS 1.3 with the certificate of the CA the client settings trust. */
  @Test
  void handshakeIsTls13WithTheGeneratedCa() throws Exception {
    Map<String, Object> c = broker.tlsClientConfig();
    X509Certificate ca = (X509Certificate) CertificateFactory.getInstance("X.509")
        .generateCertificate(new ByteArrayInputStream(((String) c.get(
            SslConfigs.SSL_TRUSTSTORE_CERTIFICATES_CONFIG)).getBytes(StandardCharsets.US_ASCII)));
    KeyStore ts = KeyStore.getInstance("PKCS12");
    ts.load(null, null);
    ts.setCertificateEntry("ca", ca);
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(ts);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, tmf.getTrustManagers(), null);
    String[] hostPort = broker.tlsBootstrapServers().split(":");
    try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(hostPort[0],
        Integer.parseInt(hostPort[1]))) {
      s.setEnabledProtocols(new String[] {"TLSv1.2", "TLSv1.3"});
      s.startHandshake();
      assertEquals("TLSv1.3", s.getSession().getProtocol());
      X509Certificate leaf = (X509Certificate) s.getSession().getPeerCertificates()[0];
      assertEquals(ca.getSubjectX500Principal(), leaf.getIssuerX500Principal());
    }
  }

  /** A client that does not trust the throw-away CA cannot connect: no silent fallback. */
  @Test
  void clientWithoutTheCaIsRefused() {
    Map<String, Object> c = new HashMap<>(broker.tlsClientConfig());
    c.remove(SslConfigs.SSL_TRUSTSTORE_TYPE_CONFIG);
    c.remove(SslConfigs.SSL_TRUSTSTORE_CERTIFICATES_CONFIG); // the JDK's default CAs only
    c.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 15_000);
    c.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
    try (Admin admin = Admin.create(c)) {
      ExecutionException e = assertThrows(ExecutionException.class,
          () -> admin.describeCluster().clusterId().get(30, TimeUnit.SECONDS));
      assertInstanceOf(SslAuthenticationException.class, e.getCause());
    }
  }

  @Test
  void brokerWithoutTlsSaysHowToGetIt() {
    try (EmbeddedKafkaBroker plain = EmbeddedKafkaBroker.start()) {
      IllegalStateException e = assertThrows(IllegalStateException.class,
          plain::tlsBootstrapServers);
      assertTrue(e.getMessage().contains("startWithTls"), e.getMessage());
      assertTrue(plain.logDirectories().stream().allMatch(java.nio.file.Files::isDirectory));
    }
  }
}
