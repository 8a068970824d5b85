package io.kafkaenvelope.avro;

import io.kafkaenvelope.testing.KafkaBroker;
import io.kafkaenvelope.testing.TestClients;
import java.io.IOException;
import java.io.InputStream;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;

/** Schemas, records and client settings shared by the tests. */
final class Fixtures {

  /** Every test record carries this; it must never reach the broker or a log line. */
  static final String MARKER = "AVRO-PLAINTEXT-MARKER-5d1e";

  static final Schema V1 = schema("avro/order-v1.avsc");
  static final Schema V2 = schema("avro/order-v2.avsc");

  private Fixtures() {}

  static String unique(String prefix) {
    return TestClients.unique(prefix);
  }

  static Schema schema(String resource) {
    try (InputStream in = Fixtures.class.getClassLoader().getResourceAsStream(resource)) {
      return new Schema.Parser().parse(in);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  static GenericRecord v1(String id, long cents) {
    GenericRecord r = new GenericData.Record(V1);
    r.put("id", id);
    r.put("amountCents", cents);
    r.put("note", MARKER + " note " + id);
    return r;
  }

  static GenericRecord v2(String id, long cents, String currency) {
    GenericRecord r = new GenericData.Record(V2);
    r.put("id", id);
    r.put("amountCents", cents);
    r.put("note", MARKER + " note " + id);
    r.put("currency", currency);
    return r;
  }

  /** Envelope settings against a fresh in-memory KMS. */
  static Map<String, Object> envelope() {
    Map<String, Object> m = new HashMap<>();
    m.put("envelope.kms.type", "in-memory");
    m.put("envelope.kms.memory.name", unique("avro-kms"));
    m.put("envelope.kek.id", "avro-kek");
    return m;
  }

  static Map<String, Object> producer(KafkaBroker broker, Map<String, Object> settings,
      String valueSerializer) {
    return TestClients.producerConfig(broker, settings, valueSerializer);
  }

  static Map<String, Object> consumer(KafkaBroker broker, Map<String, Object> settings,
      String valueDeserializer) {
    return TestClients.consumerConfig(broker, settings, valueDeserializer);
  }

  static KafkaConsumer<byte[], byte[]> raw(KafkaBroker broker) {
    return TestClients.rawConsumer(broker);
  }

  static <K, V> List<ConsumerRecord<K, V>> drain(KafkaConsumer<K, V> consumer, String topic,
      int expected) {
    return TestClients.drain(consumer, topic, expected);
  }

  static boolean contains(byte[] haystack, String needle) {
    return TestClients.contains(haystack, needle);
  }
}
