package io.kafkaenvelope.examples;

import com.fasterxml.jackson.databind.JsonNode;
import io.kafkaenvelope.json.DecryptingJsonDeserializer;
import io.kafkaenvelope.json.EncryptingJsonSerializer;
import io.kafkaenvelope.json.JsonSerdeConfig;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Encrypted JSON with Jackson: a producer sends {@link Customer} records (a Java record) as JSON,
 * encrypted; one consumer reads them back as {@code Customer}, another as a {@code JsonNode}
 * tree. Local KMS (Tink keyset files; development only).
 *
 * <pre>
 * java -cp ... io.kafkaenvelope.examples.JsonExample localhost:9092 [topic] [keyset-dir]
 * </pre>
 */
public final class JsonExample {

  /** The example's value type. */
  public record Customer(String id, String name, String email) {}

  private JsonExample() {}

  public static void main(String[] args) throws Exception {
    if (args.length < 1) {
      System.err.println("usage: JsonExample <bootstrap.servers> [topic] [keyset-dir]");
      System.exit(2);
    }
    String topic = args.length > 1 ? args[1] : "customers-json";
    Path keys = args.length > 2 ? Path.of(args[2])
        : Files.createTempDirectory("kafka-envelope-json-example-keys");
    List<Customer> read = run(args[0], topic, keys, System.out);
    System.out.printf("%nread %d customers back%n", read.size());
  }

  /** Produces three customers, shows the stored bytes, reads them as records and as trees. */
  public static List<Customer> run(String bootstrap, String topic, Path keysetDir,
      PrintStream out) throws Exception {
    Map<String, Object> envelope = new HashMap<>();
    envelope.put("envelope.kms.type", "local");
    envelope.put("envelope.kms.local.keyset.dir", keysetDir.toString());
    envelope.put("envelope.kms.local.create.missing", "true");
    envelope.put("envelope.kek.id", "customers-kek");

    Map<String, Object> producer = new HashMap<>(envelope);
    producer.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    producer.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    producer.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG,
        EncryptingJsonSerializer.class.getName());
    try (KafkaProducer<String, Customer> p = new KafkaProducer<>(producer)) {
      p.send(new ProducerRecord<>(topic, "c-1",
          new Customer("c-1", "Ada", "ada@example.org"))).get();
      p.send(new ProducerRecord<>(topic, "c-2",
          new Customer("c-2", "Alan", "alan@example.org"))).get();
      p.send(new ProducerRecord<>(topic, "c-3",
          new Customer("c-3", "Grace", "grace@example.org"))).get();
    }

    out.println("What the broker stores (value bytes as text):");
    for (ConsumerRecord<String, byte[]> r
        : JsonExample.<byte[]>poll(bootstrap, topic, Map.of(), 3)) {
      out.printf("  %s  %s%n", r.key(),
          new String(r.value(), StandardCharsets.ISO_8859_1).replaceAll("[^\\x20-\\x7e]", "."));
    }

    Map<String, Object> asRecords = new HashMap<>(envelope);
    asRecords.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
        DecryptingJsonDeserializer.class.getName());
    asRecords.put(JsonSerdeConfig.TYPE, Customer.class.getName());
    List<Customer> customers = new ArrayList<>();
    out.println("Read as Customer records:");
    for (ConsumerRecord<String, Customer> r
        : JsonExample.<Customer>poll(bootstrap, topic, asRecords, 3)) {
      out.printf("  %s  %s%n", r.key(), r.value());
      customers.add(r.value());
    }

    Map<String, Object> asTrees = new HashMap<>(envelope);
    asTrees.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
        DecryptingJsonDeserializer.class.getName()); // envelope.json.type defaults to JsonNode
    out.println("Read as JsonNode trees:");
    for (ConsumerRecord<String, JsonNode> r
        : JsonExample.<JsonNode>poll(bootstrap, topic, asTrees, 3)) {
      out.printf("  %s  %s%n", r.key(), r.value());
    }
    return customers;
  }

  private static <V> List<ConsumerRecord<String, V>> poll(String bootstrap, String topic,
      Map<String, Object> extra, int expected) {
    Map<String, Object> c = new HashMap<>(extra);
    c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    c.put(ConsumerConfig.GROUP_ID_CONFIG, "json-example-" + UUID.randomUUID());
    c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    c.putIfAbsent(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
        ByteArrayDeserializer.class.getName());
    List<ConsumerRecord<String, V>> out = new ArrayList<>();
    try (KafkaConsumer<String, V> consumer = new KafkaConsumer<>(c)) {
      consumer.subscribe(List.of(topic));
      long deadline = System.currentTimeMillis() + 30_000;
      while (out.size() < expected && System.currentTimeMillis() < deadline) {
        consumer.poll(Duration.ofMillis(200)).forEach(out::add);
      }
    }
    return out;
  }
}
