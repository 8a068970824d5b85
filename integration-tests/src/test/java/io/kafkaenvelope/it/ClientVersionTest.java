package io.kafkaenvelope.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.io.InputStream;
import java.util.Properties;
import org.apache.kafka.common.utils.AppInfoParser;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;

/**
 * The suite runs twice (see the pom): with the kafka-clients release the library is built against
 * and with a 3.x release. This pins which one a run really used, so the 3.x run cannot silently
 * fall back to 4.x jars.
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
