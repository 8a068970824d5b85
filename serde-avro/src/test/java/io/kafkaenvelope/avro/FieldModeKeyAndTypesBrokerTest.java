package io.kafkaenvelope.avro;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.kafkaenvelope.config.EnvelopeConfig;
import io.kafkaenvelope.testing.KafkaExtension;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Field mode on the record <em>key</em> through a real broker (the key serializer writes its field
 * header as {@code kafka-envelope.key.fields}, the value stays a plain string), and Avro {@code
 * float}, {@code time-millis} and {@code time-micros} fields round-tripping exactly, edge values
 * included ({@code -0.0f}, {@code NaN}, the smallest float, the last instant of a day).
 */
class FieldModeKeyAndTypesBrokerTest {

  @RegisterExtension static final KafkaExtension KAFKA = new KafkaExtension();

  private static final String SCHEMA_FILE = "classpath:avro/shipment-key.avsc";
  private static final Schema SCHEMA = Fixtures.schema("avro/shipment-key.avsc");
  private static final String ENCRYPTED = "customerId,weight,pickup,pickupMicros,maybeWeight";
  private static final String CUSTOMER = "cust-" + Fixtures.MARKER;
  private static final float[] WEIGHTS = {1.5f, -0.0f, Float.NaN, Float.MIN_VALUE,
      Float.MAX_VALUE, Float.NEGATIVE_INFINITY};

  private static GenericRecord key(int i) {
    GenericRecord r = new GenericData.Record(SCHEMA);
    r.put("region", "eu-" + i);
    r.put("customerId", CUSTOMER + i);
    r.put("weight", WEIGHTS[i % WEIGHTS.length]);
    r.put("pickup", i == 0 ? 86_399_999 : i * 3_600_000 + 7); // ms of the day
    r.put("pickupMicros", i == 0 ? 86_399_999_999L : i * 3_600_000_000L + 7); // µs of the day
    r.put("maybeWeight", i % 2 == 0 ? null : WEIGHTS[(i + 1) % WEIGHTS.length]);
    return r;
  }

  /** Field mode for the role {@code prefix} ("envelope." or "envelope.key."). */
  private static Map<String, Object> fieldMode(String prefix) {
    Map<String, Object> m = new HashMap<>(Fixtures.envelope());
    m.put(prefix + "mode", "field");
    m.put(prefix + "fields", ENCRYPTED);
    m.put(prefix + "avro.writer.schemas", SCHEMA_FILE);
    return m;
  }

  /** Float fields compared by their bits: -0.0f and NaN must come back as they went. */
  private static void assertSameRecord(GenericRecord expected, GenericRecord actual, String what) {
    assertEquals(SCHEMA, actual.getSchema(), what);
    for (Schema.Field f : SCHEMA.getFields()) {
      Object e = expected.get(f.pos());
      Object a = actual.get(f.pos());
      if (e instanceof Float x) {
        assertInstanceOf(Float.class, a, what + " " + f.name());
        assertEquals(Float.floatToRawIntBits(x), Float.floatToRawIntBits((Float) a),
            what + " " + f.name());
      } else {
        assertEquals(e == null ? null : e.toString(), a == null ? null : a.toString(),
            what + " " + f.name());
        if (e != null) {
          assertEquals(e.getClass(), a instanceof org.apache.avro.util.Utf8 ? String.class
              : a.getClass(), what + " " + f.name() + " type");
        }
      }
    }
  }

  @Test
  void recordKeysAreEncryptedFieldByFieldThroughTheBroker() {
    String topic = Fixtures.unique("shipments-keys");
    KAFKA.broker().createTopic(topic, 1);
    Map<String, Object> settings = fieldMode("envelope.key.");
    int n = 6;
    Map<String, Object> p = new HashMap<>(settings);
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.broker().bootstrapServers());
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, EncryptingAvroSerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    try (KafkaProducer<Object, String> producer = new KafkaProducer<>(p)) {
      for (int i = 0; i < n; i++) {
        producer.send(new ProducerRecord<>(topic, key(i), "value " + i));
      }
      producer.flush();
    }
    // on the broker: the key is the derived record, its chosen fields sealed, under a key
    // field header; the value has no envelope at all
    List<ConsumerRecord<byte[], byte[]>> raw;
    try (KafkaConsumer<byte[], byte[]> c = Fixtures.raw(KAFKA.broker())) {
      raw = Fixtures.drain(c, topic, n);
    }
    Schema derived = io.kafkaenvelope.avro.internal.FieldSchemas.derived(
        EnvelopeConfig.resolveRole(settings, true), true, List.of(SCHEMA)).get(0).derived();
    BinaryMessageDecoder<GenericRecord> plain = new BinaryMessageDecoder<>(GenericData.get(),
        derived);
    for (int i = 0; i < n; i++) {
      ConsumerRecord<byte[], byte[]> r = raw.get(i);
      assertNotNull(r.headers().lastHeader("kafka-envelope.key.fields"), "record " + i);
      assertNull(r.headers().lastHeader("kafka-envelope.value.fields"));
      assertNull(r.headers().lastHeader("kafka-envelope.key"), "no whole-key envelope");
      assertFalse(Fixtures.contains(r.key(), Fixtures.MARKER), "record " + i);
      assertEquals("value " + i, new String(r.value(), java.nio.charset.StandardCharsets.UTF_8));
      GenericRecord onBroker = decode(plain, r.key());
      assertEquals("eu-" + i, onBroker.get("region").toString(), "the clear field");
      for (String f : List.of("customerId", "weight", "pickup", "pickupMicros")) {
        assertInstanceOf(ByteBuffer.class, onBroker.get(f), f);
      }
      assertEquals(i % 2 == 1, onBroker.get("maybeWeight") != null, "a null stays null");
    }
    Map<String, Object> cc = new HashMap<>(settings);
    cc.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.broker().bootstrapServers());
    cc.put(ConsumerConfig.GROUP_ID_CONFIG, Fixtures.unique("group"));
    cc.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    cc.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG,
        DecryptingAvroDeserializer.class.getName());
    cc.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    try (KafkaConsumer<GenericRecord, String> c = new KafkaConsumer<>(cc)) {
      List<ConsumerRecord<GenericRecord, String>> read = Fixtures.drain(c, topic, n);
      for (int i = 0; i < n; i++) {
        assertSameRecord(key(i), read.get(i).key(), "key " + i);
        assertEquals("value " + i, read.get(i).value());
      }
    }
  }

  @Test
  void floatTimeMillisAndTimeMicrosValueFieldsRoundTripExactly() {
    String topic = Fixtures.unique("shipments-values");
    KAFKA.broker().createTopic(topic, 1);
    Map<String, Object> settings = fieldMode("envelope.");
    int n = WEIGHTS.length;
    List<ConsumerRecord<byte[], byte[]>> raw = Fixtures.sendAndReadRaw(KAFKA.broker(), settings,
        EncryptingAvroSerializer.class.getName(), topic, n,
        FieldModeKeyAndTypesBrokerTest::key, CUSTOMER, Fixtures.MARKER);
    for (ConsumerRecord<byte[], byte[]> r : raw) {
      assertNotNull(r.headers().lastHeader("kafka-envelope.value.fields"));
    }
    try (KafkaConsumer<String, GenericRecord> c = new KafkaConsumer<>(Fixtures.consumer(
        KAFKA.broker(), settings, DecryptingAvroDeserializer.class.getName()))) {
      List<GenericRecord> out = new ArrayList<>();
      Fixtures.drain(c, topic, n).forEach(r -> out.add(r.value()));
      for (int i = 0; i < n; i++) {
        assertSameRecord(key(i), out.get(i), "record " + i);
      }
    }
  }

  private static GenericRecord decode(BinaryMessageDecoder<GenericRecord> d, byte[] b) {
    try {
      return d.decode(b);
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
