package io.kafkaenvelope.examples;

import io.kafkaenvelope.serde.EnvelopeSerde;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Kafka Streams with encryption end to end: payment amounts per customer (encrypted values) are
 * summed in a state store whose changelog is encrypted too (stores serialize without headers, so
 * the inline frame is used), and the running totals go to an encrypted output topic. Keys stay in
 * the clear so partitioning and the store work as usual.
 *
 * <pre>
 * java ... io.kafkaenvelope.examples.StreamsExample examples/config/streams.properties \
 *     payments totals
 * </pre>
 */
public final class StreamsExample {

  private StreamsExample() {}

  /** The topology; {@code config} holds the envelope settings (KMS, KEK) for the serde. */
  public static Topology topology(String input, String output, Map<String, ?> config) {
    Serde<String> encrypted = new EnvelopeSerde<>(Serdes.String());
    encrypted.configure(config, false);
    StreamsBuilder builder = new StreamsBuilder();
    builder.stream(input, Consumed.with(Serdes.String(), encrypted))
        .groupByKey(Grouped.with(Serdes.String(), encrypted))
        .aggregate(() -> "0", (customer, amount, total) ->
                Long.toString(Long.parseLong(total) + Long.parseLong(amount.trim())),
            Materialized.<String, String, KeyValueStore<Bytes, byte[]>>as("totals")
                .withKeySerde(Serdes.String()).withValueSerde(encrypted))
        .toStream()
        .to(output, Produced.with(Serdes.String(), encrypted));
    return builder.build();
  }

  public static void main(String[] args) throws Exception {
    if (args.length != 3) {
      System.err.println("usage: StreamsExample <streams.properties> <input-topic> <output-topic>");
      System.exit(2);
    }
    Properties props = ExampleConfig.load(args[0]);
    Map<String, Object> config = new HashMap<>();
    props.stringPropertyNames().forEach(n -> config.put(n, props.getProperty(n)));
    CountDownLatch stop = new CountDownLatch(1);
    try (KafkaStreams streams = new KafkaStreams(topology(args[1], args[2], config), props)) {
      Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown));
      streams.start();
      stop.await();
    }
  }
}
