/**
 * Runnable examples, not a library: {@link io.kafkaenvelope.examples.Demo} (embedded broker and
 * local KMS, showing what the broker stores against what consumers read), {@link
 * io.kafkaenvelope.examples.ExampleProducer} and {@link io.kafkaenvelope.examples.ExampleConsumer}
 * (driven by a properties file), and the Avro, JSON and Kafka Streams examples. Each public class
 * is a {@code main} entry point; {@code ExampleConfig} (loading and merging their properties) is
 * internal. Nothing here is published API.
 */
package io.kafkaenvelope.examples;
