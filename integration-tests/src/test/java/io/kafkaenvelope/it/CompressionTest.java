package io.kafkaenvelope.it;

import static io.kafkaenvelope.it.Clients.MARKER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkaenvelope.config.EnvelopeConfig;
import io.kafkaenvelope.testing.KafkaBroker;
import io.kafkaenvelope.testing.KafkaExtension;
import io.kafkaenvelope.internal.wire.EnvelopeHeader;
import io.kafkaenvelope.internal.wire.WireFormat;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.LogDirDescription;
import org.apache.kafka.clients.admin.ReplicaInfo;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code envelope.compression.type} through a real broker: with the producer's own compression
 * off (it cannot shrink ciphertext), lz4 and zstd records come back intact and the partition the
 * broker stores is a fraction of the uncompressed encrypted one. This suite also runs with the
 * kafka-clients 3.x and newest 4.x jars, whose lz4/zstd classes the codecs load.
 */
class CompressionTest {

  @RegisterExtension static final KafkaExtension KAFKA = new KafkaExtension();

  private static final int RECORDS = 300;

  private final String kmsName = Clients.unique("kms");

  /** About 1 KiB of JSON-like text, the typical event the option is for. */
  static String jsonLike(int seed) {
    StringBuilder sb = new StringBuilder("{\"marker\":\"" + MARKER + "\",\"order\":" + seed
        + ",\"items\":[");
    Random r = new Random(seed);
    for (int i = 0; sb.length() < 1000; i++) {
      sb.append(i == 0 ? "" : ",").append("{\"sku\":\"SKU-").append(10000 + r.nextInt(90000))
          .append("\",\"qty\":").append(1 + r.nextInt(9)).append(",\"status\":\"")
          .append(r.nextBoolean() ? "SHIPPED" : "PENDING").append("\"}");
    }
    return sb.append("]}").toString();
  }

  @Test
  void lz4AndZstdShrinkWhatTheBrokerStores() throws Exception {
    KafkaBroker broker = KAFKA.broker();
    Map<String, Long> stored = new LinkedHashMap<>();
    Map<String, Long> recordBytes = new LinkedHashMap<>();
    for (String codec : new String[] {"none", "lz4", "zstd"}) {
      String topic = Clients.unique("compressed-" + codec);
      broker.createTopic(topic, 1);
      Map<String, Object> envelope = Clients.envelope(kmsName);
      envelope.put(EnvelopeConfig.COMPRESSION_TYPE, codec);
      Map<String, Object> producerConfig = Clients.producerConfig(broker, envelope);
      producerConfig.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "none");
      producerConfig.put(ProducerConfig.LINGER_MS_CONFIG, 20);
      List<String> sent = new ArrayList<>();
      try (KafkaProducer<String, String> p = new KafkaProducer<>(producerConfig)) {
        for (int i = 0; i < RECORDS; i++) {
          String v = jsonLike(i);
          sent.add(v);
          p.send(new ProducerRecord<>(topic, v));
        }
      }
      long bytes = 0;
      try (KafkaConsumer<byte[], byte[]> raw = Clients.rawConsumer(broker)) {
        for (ConsumerRecord<byte[], byte[]> r : Clients.drain(raw, topic, RECORDS)) {
          assertFalse(Clients.contains(r.value(), MARKER), "plaintext on the broker");
          Header h = r.headers().lastHeader(WireFormat.VALUE_HEADER);
          EnvelopeHeader parsed = EnvelopeHeader.parse(h.value());
          assertEquals(codec.equals("none") ? 0 : codec.equals("lz4") ? 2 : 3, parsed.codec(),
              codec + ": every JSON-like record compresses");
          bytes += r.value().length + h.value().length;
        }
      }
      try (KafkaConsumer<String, String> c = Clients.consumer(broker, Clients.envelope(kmsName))) {
        List<String> got = Clients.drain(c, topic, RECORDS).stream()
            .map(ConsumerRecord::value).toList();
        assertEquals(sent, got, codec + ": every record decrypts, in order");
      }
      stored.put(codec, partitionSize(broker, topic));
      recordBytes.put(codec, bytes);
    }
    System.out.printf("envelope.compression.type through the broker, %d JSON-like records of"
        + " ~1 KiB, producer compression.type=none:%n", RECORDS);
    for (String codec : stored.keySet()) {
      System.out.printf("  %-5s partition %7d bytes (%5d per record), value+envelope header %5d"
          + " per record%n", codec, stored.get(codec), stored.get(codec) / RECORDS,
          recordBytes.get(codec) / RECORDS);
    }
    for (String codec : new String[] {"lz4", "zstd"}) {
      assertTrue(stored.get(codec) < stored.get("none") * 6 / 10,
          codec + " stored " + stored.get(codec) + " bytes vs " + stored.get("none")
              + " uncompressed");
      assertTrue(recordBytes.get(codec) < recordBytes.get("none") / 2,
          codec + " records " + recordBytes.get(codec) + " vs " + recordBytes.get("none"));
    }
  }

  /** The bytes of the topic's only partition in the broker's log directory. */
  private static long partitionSize(KafkaBroker broker, String topic) throws Exception {
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
        broker.bootstrapServers()))) {
      List<Integer> ids = admin.describeCluster().nodes().get().stream().map(Node::id).toList();
      TopicPartition tp = new TopicPartition(topic, 0);
      long size = -1;
      for (Map<String, LogDirDescription> dirs
          : admin.describeLogDirs(ids).allDescriptions().get().values()) {
        for (LogDirDescription d : dirs.values()) {
          ReplicaInfo info = d.replicaInfos().get(tp);
          if (info != null) {
            size = Math.max(size, info.size());
          }
        }
      }
      assertTrue(size > 0, "partition size of " + topic);
      return size;
    }
  }
}
