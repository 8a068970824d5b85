package io.kafkaenvelope.benchmarks.e2e;

import io.kafkaenvelope.benchmarks.soak.SegmentScan;
import io.kafkaenvelope.serde.EncryptingSerializer;
import io.kafkaenvelope.testing.EmbeddedKafkaBroker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Bytes the broker stores per record (the partition's {@code .log} segment files, batch headers
 * and record overhead included) for plaintext and encrypted values of the end-to-end records,
 * with the producer's batch compression off, lz4 and zstd, and with the serializer compressing
 * each record before encrypting ({@code envelope.compression.type}). Sizes depend only on the
 * records (a fixed pool) and the batching, not on the machine's speed. Prints a markdown table.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar io.kafkaenvelope.benchmarks.e2e.BrokerBytes \
 *     100,1024 100000
 * </pre>
 */
public final class BrokerBytes {

  private BrokerBytes() {}

  public static void main(String[] args) throws Exception {
    List<Integer> sizes = args.length > 0
        ? List.of(args[0].split(",")).stream().map(Integer::valueOf).toList() : List.of(100, 1024);
    int records = args.length > 1 ? Integer.parseInt(args[1]) : 100_000;
    Path keysets = Files.createTempDirectory("kafka-envelope-bytes-");
    StringBuilder md = new StringBuilder(String.format(Locale.ROOT, "%,d records per cell, linger "
        + "%d ms, batch.size %d KiB, one partition; bytes per record as stored in the segment "
        + "files (× plaintext with the same batch codec):%n%n", records,
        EndToEndBenchmark.LINGER_MS, EndToEndBenchmark.BATCH_SIZE / 1024));
    md.append("| record | batch codec | plaintext | **Kafka Envelope** | × | envelope, record "
        + "compressed by the serializer | × |\n|---|---|---|---|---|---|---|\n");
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(Map.of(
        "log.flush.interval.messages", String.valueOf(Long.MAX_VALUE),
        "log.segment.bytes", String.valueOf(1024 * 1024 * 1024)))) {
      for (int size : sizes) {
        byte[][] values = EndToEndBenchmark.values(size);
        for (String codec : List.of("none", "lz4", "zstd")) {
          double plain = perRecord(broker, keysets, values, records, codec, "plaintext");
          double env = perRecord(broker, keysets, values, records, codec, "envelope");
          String compressed = "–";
          String ratio = "–";
          if (!codec.equals("none")) {
            double c = perRecord(broker, keysets, values, records, codec, "envelope-compressed");
            compressed = String.format(Locale.ROOT, "%.1f B", c);
            ratio = String.format(Locale.ROOT, "%.2f×", c / plain);
          }
          md.append(String.format(Locale.ROOT, "| %s | %s | %.1f B | %.1f B | %.2f× | %s | %s |%n",
              size % 1024 == 0 ? size / 1024 + " KiB" : size + " B", codec, plain, env,
              env / plain, compressed, ratio));
        }
      }
    }
    System.out.println(md);
  }

  static double perRecord(EmbeddedKafkaBroker broker, Path keysets, byte[][] values, int records,
      String codec, String mode) throws Exception {
    String topic = "bytes-" + values[0].length + "-" + codec + "-" + mode;
    broker.createTopic(topic, 1);
    Map<String, Object> pc = new HashMap<>();
    pc.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    pc.put(ProducerConfig.ACKS_CONFIG, "all");
    pc.put(ProducerConfig.LINGER_MS_CONFIG, EndToEndBenchmark.LINGER_MS);
    pc.put(ProducerConfig.BATCH_SIZE_CONFIG, EndToEndBenchmark.BATCH_SIZE);
    pc.put("envelope.kms.type", "local");
    pc.put("envelope.kms.local.keyset.dir", keysets.toString());
    pc.put("envelope.kms.local.create.missing", "true");
    pc.put("envelope.kek.id", "bytes-kek");
    if (mode.equals("envelope-compressed")) {
      pc.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "none");
      pc.put("envelope.compression.type", codec);
    } else {
      pc.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, codec);
    }
    AtomicReference<Exception> failure = new AtomicReference<>();
    Serializer<byte[]> ser = mode.equals("plaintext") ? new ByteArraySerializer()
        : new EncryptingSerializer<>(new ByteArraySerializer());
    ser.configure(pc, false);
    try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(pc, new ByteArraySerializer(),
        ser)) {
      for (int i = 0; i < records; i++) {
        p.send(new ProducerRecord<>(topic, values[i % values.length]), (md, e) -> {
          if (e != null) {
            failure.compareAndSet(null, e);
          }
        });
      }
      p.flush();
    }
    if (failure.get() != null) {
      throw new IllegalStateException("a send to " + topic + " failed", failure.get());
    }
    return (double) SegmentScan.bytes(broker.logDirectories(), topic) / records;
  }
}
