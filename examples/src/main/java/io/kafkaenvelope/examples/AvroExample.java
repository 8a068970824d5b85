package io.kafkaenvelope.examples;

import io.kafkaenvelope.avro.AvroSerdeConfig;
import io.kafkaenvelope.avro.DecryptingAvroDeserializer;
import io.kafkaenvelope.avro.EncryptingAvroSerializer;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Encrypted Avro without a schema registry: a producer writes {@code Payment} records with schema
 * v1 (Avro single-object encoding, encrypted); a consumer reads them with schema v2, which adds a
 * {@code currency} field with a default. Local KMS (Tink keyset files; development only).
 *
 * <pre>
 * java -cp ... io.kafkaenvelope.examples.AvroExample localhost:9092 [topic] [keyset-dir]
 * </pre>
 *
 * With a schema registry, name its serializer instead (the registry settings pass through):
 * {@code envelope.inner.serializer=io.confluent.kafka.serializers.KafkaAvroSerializer},
 * {@code schema.registry.url=...}, and optionally {@code envelope.clear.prefix=schema-id-4}.
 */
public final class AvroExample {

  private AvroExample() {}

  public static void main(String[] args) throws Exception {
    if (args.length < 1) {
      System.err.println("usage: AvroExample <bootstrap.servers> [topic] [keyset-dir]");
      System.exit(2);
    }
    String topic = args.length > 1 ? args[1] : "payments-avro";
    Path keys = args.length > 2 ? Path.of(args[2])
        : Files.createTempDirectory("kafka-envelope-avro-example-keys");
    List<GenericRecord> read = run(args[0], topic, keys, System.out);
    System.out.printf("%nread %d payments back%n", read.size());
  }

  /** Produces three v1 payments, shows what the broker stores, reads them as v2. */
  public static List<GenericRecord> run(String bootstrap, String topic, Path keysetDir,
      PrintStream out) throws Exception {
    Map<String, Object> envelope = new HashMap<>();
    envelope.put("envelope.kms.type", "local");
    envelope.put("envelope.kms.local.keyset.dir", keysetDir.toString());
    envelope.put("envelope.kms.local.create.missing", "true");
    envelope.put("envelope.kek.id", "payments-kek");

    Schema v1 = schema("examples/avro/payment-v1.avsc");
    Map<String, Object> producer = new HashMap<>(envelope);
    producer.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    producer.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    // No envelope.inner.serializer: the registry-less single-object serializer is the default.
    producer.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG,
        EncryptingAvroSerializer.class.getName());
    try (KafkaProducer<String, GenericRecord> p = new KafkaProducer<>(producer)) {
      String[] holders = {"Ada Lovelace", "Alan Turing", "Grace Hopper"};
      for (int i = 0; i < holders.length; i++) {
        GenericRecord r = new GenericData.Record(v1);
        r.put("id", "pay-" + i);
        r.put("cardHolder", holders[i]);
        r.put("amountCents", 1000L * (i + 1));
        p.send(new ProducerRecord<>(topic, r.get("id").toString(), r)).get();
      }
    }

    out.println("What the broker stores (value bytes):");
    for (ConsumerRecord<byte[], byte[]> r
        : AvroExample.<byte[]>poll(bootstrap, topic, Map.of(), 3)) {
      out.printf("  %s  %s...%n", new String(r.key()), HexFormat.of().formatHex(r.value(), 0, 24));
    }

    Map<String, Object> consumer = new HashMap<>(envelope);
    consumer.put(AvroSerdeConfig.READER_SCHEMA, "classpath:examples/avro/payment-v2.avsc");
    consumer.put(AvroSerdeConfig.WRITER_SCHEMAS, "classpath:examples/avro/payment-v1.avsc");
    consumer.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
        DecryptingAvroDeserializer.class.getName());
    List<GenericRecord> values = new ArrayList<>();
    out.println("What a consumer with the KMS reads (reader schema v2):");
    for (ConsumerRecord<byte[], GenericRecord> r : AvroExample.<GenericRecord>poll(bootstrap, topic,
        consumer, 3)) {
      out.printf("  %s  %s%n", new String(r.key()), r.value());
      values.add(r.value());
    }
    return values;
  }

  private static <V> List<ConsumerRecord<byte[], V>> poll(String bootstrap, String topic,
      Map<String, Object> extra, int expected) {
    Map<String, Object> c = new HashMap<>(extra);
    c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    c.put(ConsumerConfig.GROUP_ID_CONFIG, "avro-example-" + UUID.randomUUID());
    c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    c.putIfAbsent(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
        ByteArrayDeserializer.class.getName());
    List<ConsumerRecord<byte[], V>> out = new ArrayList<>();
    try (KafkaConsumer<byte[], V> consumer = new KafkaConsumer<>(c)) {
      consumer.subscribe(List.of(topic));
      long deadline = System.currentTimeMillis() + 30_000;
      while (out.size() < expected && System.currentTimeMillis() < deadline) {
        consumer.poll(Duration.ofMillis(200)).forEach(out::add);
      }
    }
    return out;
  }

  private static Schema schema(String resource) throws IOException {
    try (InputStream in = AvroExample.class.getClassLoader().getResourceAsStream(resource)) {
      return new Schema.Parser().parse(in);
    }
  }
}
