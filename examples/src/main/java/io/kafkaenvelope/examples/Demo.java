package io.kafkaenvelope.examples;

import io.kafkaenvelope.serde.DecryptingDeserializer;
import io.kafkaenvelope.serde.EncryptingSerializer;
import io.kafkaenvelope.testing.EmbeddedKafkaBroker;
import io.kafkaenvelope.internal.wire.EnvelopeHeader;
import io.kafkaenvelope.internal.wire.WireFormat;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
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
 * The README's demo: a real Kafka broker in this JVM, a local KMS in a temporary directory, a
 * producer with the encrypting serializer and two consumers — one that shows what the broker
 * stores, one that decrypts. Records 1-5 and 6-8 use different data keys: the producer is set to
 * rotate its DEK every 5 records.
 */
public final class Demo {

  private static final String TOPIC = "payments";

  public static void main(String[] args) throws Exception {
    long start = System.nanoTime();
    Path keysets = Files.createTempDirectory("kafka-envelope-demo-keys");
    System.out.println("Starting an embedded Kafka broker (KRaft) ...");
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start()) {
      broker.createTopic(TOPIC, 1);
      System.out.printf("Broker at %s; local KMS keysets in %s%n%n", broker.bootstrapServers(),
          keysets);

      Map<String, Object> envelope = new HashMap<>();
      envelope.put("envelope.kms.type", "local");
      envelope.put("envelope.kms.local.keyset.dir", keysets.toString());
      envelope.put("envelope.kms.local.create.missing", "true");
      envelope.put("envelope.kek.id", "payments-kek");
      envelope.put("envelope.inner.serializer", StringSerializer.class.getName());
      envelope.put("envelope.inner.deserializer", StringDeserializer.class.getName());
      envelope.put("envelope.dek.max.records", 5L); // tiny, to show a rotation

      Map<String, Object> producerConfig = new HashMap<>(envelope);
      producerConfig.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
      producerConfig.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
      producerConfig.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, EncryptingSerializer.class);
      List<String> sent = new ArrayList<>();
      try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerConfig)) {
        for (int i = 1; i <= 8; i++) {
          String value = String.format(
              "{\"payment\":%d,\"card\":\"4111-1111-1111-%04d\",\"eur\":%d}",
              i, 1000 + i, 10 * i);
          sent.add(value);
          producer.send(new ProducerRecord<>(TOPIC, "customer-" + (i % 3), value)).get();
        }
      }

      List<ConsumerRecord<byte[], byte[]>> stored = new ArrayList<>();
      try (KafkaConsumer<byte[], byte[]> raw = new KafkaConsumer<>(consumerConfig(broker, "raw"),
          new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
        raw.subscribe(List.of(TOPIC));
        poll(raw, stored, sent.size());
      }
      List<ConsumerRecord<String, String>> decrypted = new ArrayList<>();
      Map<String, Object> consumerConfig = consumerConfig(broker, "app");
      consumerConfig.putAll(envelope);
      consumerConfig.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
      consumerConfig.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
          DecryptingDeserializer.class);
      try (KafkaConsumer<String, String> app = new KafkaConsumer<>(consumerConfig)) {
        app.subscribe(List.of(TOPIC));
        poll(app, decrypted, sent.size());
      }

      String previousDek = null;
      for (int i = 0; i < stored.size(); i++) {
        ConsumerRecord<byte[], byte[]> r = stored.get(i);
        EnvelopeHeader h = EnvelopeHeader.parse(r.headers().lastHeader(WireFormat.VALUE_HEADER)
            .value());
        String dek = h.dekIdHex();
        if (previousDek != null && !dek.equals(previousDek)) {
          System.out.println("---------- DEK rotated: " + previousDek.substring(0, 12) + "... -> "
              + dek.substring(0, 12)
              + "... (one KMS call; earlier records still decrypt) ----------");
        }
        previousDek = dek;
        System.out.printf("offset %d%n", r.offset());
        System.out.printf("  broker stores : header %s = v1, KEK '%s' (version %s), DEK %s, "
            + "wrapped DEK %d bytes%n", WireFormat.VALUE_HEADER, h.kekId(), h.kekVersion(), dek,
            h.wrappedDek().length);
        System.out.printf("                  value %d bytes: %s%n", r.value().length,
            preview(r.value()));
        System.out.printf("  consumer reads: %s%n", decrypted.get(i).value());
      }
      boolean allBack = decrypted.stream().map(ConsumerRecord::value).toList().equals(sent);
      boolean noPlaintext = stored.stream().noneMatch(
          r -> new String(r.value(), java.nio.charset.StandardCharsets.ISO_8859_1)
              .contains("4111"));
      System.out.printf("%nAll %d records decrypted: %s. Card numbers in what the broker stores: "
          + "%s. Took %.1f s.%n", sent.size(), allBack, noPlaintext ? "none" : "FOUND",
          (System.nanoTime() - start) / 1e9);
      if (!allBack || !noPlaintext) {
        System.exit(1);
      }
    }
    System.exit(0);
  }

  private static Map<String, Object> consumerConfig(EmbeddedKafkaBroker broker, String group) {
    Map<String, Object> c = new HashMap<>();
    c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    c.put(ConsumerConfig.GROUP_ID_CONFIG, group);
    c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    return c;
  }

  private static <K, V> void poll(KafkaConsumer<K, V> consumer, List<ConsumerRecord<K, V>> out,
      int expected) {
    long deadline = System.currentTimeMillis() + 30_000;
    while (out.size() < expected && System.currentTimeMillis() < deadline) {
      consumer.poll(Duration.ofMillis(200)).forEach(out::add);
    }
  }

  private static String preview(byte[] value) {
    String hex = HexFormat.of().formatHex(value, 0, Math.min(24, value.length));
    return hex + (value.length > 24 ? "..." : "");
  }

  private Demo() {}
}
