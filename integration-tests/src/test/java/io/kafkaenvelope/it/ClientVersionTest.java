package io.kafkaenvelope.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.io.InputStream;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;

/**
 * The suite runs three times (see the pom): with the kafka-clients release the library is built
 * against, with a 3.x release and with the newest 4.x release. This pins which one a run really
 * used, so the other runs cannot silently fall back to the build's jars. The version comes from
 * the file each jar carries (Kafka 4.4 moved {@code AppInfoParser}, which used to read it, into an
 * internals package).
 */
class ClientVersionTest {

  private static final String EXPECTED = System.getProperty(
      "kafka-envelope.expected.clients.version");

  @Test
  void kafkaClientsIsTheReleaseThisRunNames() throws Exception {
    assertNotNull(EXPECTED, "the surefire execution must name its kafka-clients release");
    assertEquals(EXPECTED, version(KafkaProducer.class, "/kafka/kafka-version.properties"));
  }

  @Test
  void kafkaStreamsIsTheSameRelease() throws Exception {
    assertEquals(EXPECTED, version(KafkaStreams.class, "/kafka/kafka-streams-version.properties"));
  }

  private static String version(Class<?> fromJar, String resource) throws Exception {
    Properties p = new Properties();
    try (InputStream in = fromJar.getResourceAsStream(resource)) {
      assertNotNull(in, fromJar.getName() + "'s jar carries " + resource);
      p.load(in);
    }
    return p.getProperty("version");
  }
}
