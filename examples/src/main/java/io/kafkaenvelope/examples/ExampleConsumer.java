package io.kafkaenvelope.examples;

import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;

/**
 * Prints decrypted records ({@code partition:offset key<TAB>value}) with the configuration in a
 * properties file, e.g. {@code examples/config/aws-kms-consumer.properties}; stops after
 * {@code max} records or 10 idle seconds.
 */
public final class ExampleConsumer {

  private ExampleConsumer() {}

  public static void main(String[] args) throws Exception {
    if (args.length < 2 || args.length > 3) {
      System.err.println("usage: ExampleConsumer <consumer.properties> <topic> [max-records]");
      System.exit(2);
    }
    long max = args.length == 3 ? Long.parseLong(args[2]) : Long.MAX_VALUE;
    read(ExampleConfig.load(args[0]), args[1], max, r -> System.out.printf("%d:%d %s\t%s%n",
        r.partition(), r.offset(), r.key(), r.value()));
  }

  /** Hands up to {@code max} decrypted records to {@code sink}; returns how many. */
  public static long read(Properties config, String topic, long max,
      Consumer<ConsumerRecord<String, String>> sink) {
    long seen = 0;
    long idleSince = System.nanoTime();
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(config)) {
      consumer.subscribe(List.of(topic));
      while (seen < max && System.nanoTime() - idleSince < Duration.ofSeconds(10).toNanos()) {
        for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
          sink.accept(r);
          seen++;
          idleSince = System.nanoTime();
        }
      }
      consumer.commitSync();
    }
    return seen;
  }
}
