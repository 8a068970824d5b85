package io.kafkaenvelope.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.io.InputStream;
import java.util.Properties;
import org.apache.kafka.common.utils.AppInfoParser;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;

/**
 * The suite runs three times (see the pom): with the kafka-clients release the library is built
 * against, with a 3.x release and with the newest 4.x release. This pins which one a run really
 * used, so the other runs cannot silently fall back to the build's jars.
 */
class ClientVersionTest {

  private static final String EXPECTED = System.getProperty(
      "kafka-envelope.expected.clients.version");

  @Test
  void kafkaClientsIsTheReleaseThisRunNames() {
    assertNotNull(EXPECTED, "the surefire execution must name its kafka-clients release");
    assertEquals(EXPECTED, AppInfoParser.getVersion());
  }

  @Test
  void kafkaStreamsIsTheSameRelease() throws Exception {
    Properties p = new Properties();
    try (InputStream in = KafkaStreams.class.getResourceAsStream(
        "/kafka/kafka-streams-version.properties")) {
      assertNotNull(in, "kafka-streams carries its version file");
      p.load(in);
    }
    assertEquals(EXPECTED, p.getProperty("version"));
  }
}
