package io.kafkaenvelope.examples;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Sends each line of standard input as one record ({@code key<TAB>value}, or just a value) with
 * the configuration in a properties file — e.g. {@code examples/config/aws-kms-producer.properties}
 * or {@code vault-transit-producer.properties}. Nothing in the code names a KMS: the file does.
 *
 * <pre>
 * java -cp examples.jar:... io.kafkaenvelope.examples.ExampleProducer producer.properties orders
 * </pre>
 */
public final class ExampleProducer {

  private ExampleProducer() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 2) {
      System.err.println("usage: ExampleProducer <producer.properties> <topic>");
      System.exit(2);
    }
    try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in,
        StandardCharsets.UTF_8))) {
      int sent = send(ExampleConfig.load(args[0]), args[1], in.lines()::iterator);
      System.err.printf("sent %d records to %s%n", sent, args[1]);
    }
  }

  /** Sends {@code key<TAB>value} (or value-only) lines; returns how many were sent. */
  public static int send(Properties config, String topic, Iterable<String> lines)
      throws Exception {
    int sent = 0;
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(config)) {
      for (String line : lines) {
        int tab = line.indexOf('\t');
        String key = tab < 0 ? null : line.substring(0, tab);
        String value = tab < 0 ? line : line.substring(tab + 1);
        // get(): an example should show a failed send (KMS denied, broker down) at once
        producer.send(new ProducerRecord<>(topic, key, value)).get();
        sent++;
      }
    }
    return sent;
  }
}
