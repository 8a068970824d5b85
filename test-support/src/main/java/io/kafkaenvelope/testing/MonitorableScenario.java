package io.kafkaenvelope.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * The scenario every format module's KIP-877 ({@code Monitorable*}) serdes share, through a real
 * broker on kafka-clients 4.1+: five records written and read back, with the envelope's metrics
 * read from the clients' own {@code metrics()} (group {@code plugins}), not from JMX. The format
 * tests supply the values and the reader settings and check the decoded values themselves.
 */
public final class MonitorableScenario {

  /** Records the scenario writes. */
  public static final int RECORDS = 5;

  private MonitorableScenario() {}

  /**
   * Writes {@link #RECORDS} values ({@code value.apply(i)}) with {@code serializer} under {@code
   * envelope}, then reads them with {@code deserializer} under {@code reader}, asserting on the
   * way: the producer encrypted all of them on the one data key its {@code configure()} made (one
   * generate call, none failed); the consumer decrypted all of them with one unwrap (one cache
   * miss, the rest hits) and checked its KEK once at {@code configure()}. Returns the values read.
   */
  public static List<Object> run(KafkaBroker broker, String topicPrefix,
      Map<String, Object> envelope, String serializer, IntFunction<Object> value,
      Map<String, Object> reader, String deserializer) {
    String topic = EnvelopeFixtures.unique(topicPrefix);
    broker.createTopic(topic, 1);
    try (KafkaProducer<String, Object> p = new KafkaProducer<>(
        EnvelopeFixtures.producer(broker, envelope, serializer))) {
      for (int i = 0; i < RECORDS; i++) {
        p.send(new ProducerRecord<>(topic, "k" + i, value.apply(i)));
      }
      p.flush();
      assertEquals(RECORDS, EnvelopeFixtures.pluginMetric(p.metrics(),
          "records-encrypted-total"));
      assertEquals(1, EnvelopeFixtures.pluginMetric(p.metrics(), "kms-calls-total",
          "operation=generate", "outcome=success"), "configure()'s data key served all records");
      assertEquals(0, EnvelopeFixtures.pluginMetric(p.metrics(), "kms-calls-total",
          "operation=generate", "outcome=failure"));
    }
    try (KafkaConsumer<String, Object> c = new KafkaConsumer<>(
        EnvelopeFixtures.consumer(broker, reader, deserializer))) {
      List<ConsumerRecord<String, Object>> got = EnvelopeFixtures.drain(c, topic, RECORDS);
      assertEquals(RECORDS, got.size());
      assertEquals(RECORDS, EnvelopeFixtures.pluginMetric(c.metrics(),
          "records-decrypted-total"));
      assertEquals(1, EnvelopeFixtures.pluginMetric(c.metrics(), "dek-cache-misses-total"));
      assertEquals(RECORDS - 1, EnvelopeFixtures.pluginMetric(c.metrics(),
          "dek-cache-hits-total"));
      assertEquals(1, EnvelopeFixtures.pluginMetric(c.metrics(), "kms-calls-total",
          "operation=check", "outcome=success"), "configure() checked the KEK once");
      List<Object> values = new ArrayList<>(got.size());
      got.forEach(r -> values.add(r.value()));
      return values;
    }
  }
}
