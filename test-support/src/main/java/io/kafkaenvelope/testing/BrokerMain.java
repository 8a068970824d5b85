package io.kafkaenvelope.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

/**
 * Runs an {@link EmbeddedKafkaBroker} as its own process for {@link ForkedKafkaBroker}, so tests
 * can use a kafka-clients version other than the broker's. It speaks a line protocol: it prints
 * {@code <PREFIX> READY <bootstrap>} on standard output once the broker is up; on standard input
 * {@code restart} restarts the broker (answered by {@code <PREFIX> RESTARTED}) and {@code stop} or
 * end of input stops it, so the broker never outlives the test JVM that started it.
 */
public final class BrokerMain {

  static final String PREFIX = "KAFKA-ENVELOPE-BROKER";

  private BrokerMain() {}

  public static void main(String[] args) throws IOException {
    EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start();
    say("READY " + broker.bootstrapServers());
    try (BufferedReader in =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null && !line.equals("stop")) {
        if (line.equals("restart")) {
          broker.restart();
          say("RESTARTED");
        }
      }
    } finally {
      broker.close();
    }
    System.exit(0);
  }

  private static void say(String line) {
    System.out.println(PREFIX + " " + line);
    System.out.flush();
  }
}
