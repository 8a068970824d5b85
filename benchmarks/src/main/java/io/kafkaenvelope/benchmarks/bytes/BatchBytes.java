package io.kafkaenvelope.benchmarks.bytes;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kafkaenvelope.serde.EncryptingSerializer;
import java.io.File;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.CompressionType;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MemoryRecordsBuilder;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Bytes per record in a Kafka record batch as the broker stores it (batch header, record
 * framing, record headers, value; compressed as a whole when the batch is), built with
 * kafka-clients' {@code MemoryRecordsBuilder}, the producer's own batch code, so no broker is
 * needed and the result does not depend on timing. Each batch holds the records a producer with
 * the default {@code batch.size} (16384) packs from uncompressed plaintext records of that size,
 * the same count for every contender, of distinct JSON-like values (field names repeat, values
 * vary). Contenders: plaintext; our serializer (header mode, defaults) with the in-memory KMS's
 * and AWS-sized envelope headers; and with {@code envelope.compression.type} (per record, before
 * encrypting) matching the batch codec.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar io.kafkaenvelope.benchmarks.bytes.BatchBytes \
 *     benchmarks/target/results/bytes.json
 * </pre>
 */
public final class BatchBytes {

  static final int BATCH_SIZE = 16384;
  static final List<Integer> SIZES = List.of(100, 1024);
  static final List<String> CODECS = List.of("none", "lz4", "zstd");
  static final String TOPIC = "bench-topic";
  static final String AWS_KEY_ARN =
      "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";

  private BatchBytes() {}

  public static void main(String[] args) throws Exception {
    String out = args.length > 0 ? args[0] : "benchmarks/target/results/bytes.json";
    ObjectMapper m = new ObjectMapper();
    ObjectNode root = m.createObjectNode();
    root.put("started", Instant.now().toString()).put("batchSize", BATCH_SIZE);
    ArrayNode rows = root.putArray("rows");
    for (int size : SIZES) {
      byte[][] values = values(size, Math.max(1, BATCH_SIZE / size));
      for (String codec : CODECS) {
        Map<String, Map<String, Object>> contenders = contenders(codec);
        for (Map.Entry<String, Map<String, Object>> c : contenders.entrySet()) {
          double perRecord = bytesPerRecord(values, codec, c.getValue());
          rows.addObject().put("size", size).put("codec", codec).put("contender", c.getKey())
              .put("recordsPerBatch", values.length).put("bytesPerRecord", perRecord);
          System.out.printf(Locale.ROOT, "%5d B %-5s %-34s %8.1f B/record%n", size, codec,
              c.getKey(), perRecord);
        }
      }
    }
    File f = new File(out);
    if (f.getParentFile() != null) {
      f.getParentFile().mkdirs();
    }
    m.writerWithDefaultPrettyPrinter().writeValue(f, root);
  }

  /** label -> serializer settings ({@code null}: plaintext). */
  static Map<String, Map<String, Object>> contenders(String codec) {
    Map<String, Map<String, Object>> c = new LinkedHashMap<>();
    c.put("plaintext", null);
    c.put("envelope (in-memory KMS header)", envelope("in-memory", "none"));
    c.put("envelope (AWS-sized header)", envelope("aws", "none"));
    if (!codec.equals("none")) {
      c.put("envelope + envelope.compression.type (AWS-sized)", envelope("aws", codec));
    }
    return c;
  }

  static Map<String, Object> envelope(String shape, String compression) {
    Map<String, Object> c = new HashMap<>();
    if (shape.equals("aws")) {
      c.put("envelope.kms.type", "bench-shaped");
      c.put("envelope.kms.shape", "aws");
      c.put("envelope.kek.id", AWS_KEY_ARN);
    } else {
      c.put("envelope.kms.type", "in-memory");
      c.put("envelope.kms.memory.name", "bytes");
      c.put("envelope.kek.id", "bench-kek");
    }
    c.put("envelope.compression.type", compression);
    return c;
  }

  /** One batch of {@code values} through the serializer (or none) and the batch codec. */
  static double bytesPerRecord(byte[][] values, String codec, Map<String, Object> settings) {
    MemoryRecordsBuilder b = MemoryRecords.builder(ByteBuffer.allocate(4 << 20),
        RecordBatch.CURRENT_MAGIC_VALUE,
        Compression.of(CompressionType.forName(codec)).build(), TimestampType.CREATE_TIME, 0L);
    try (EncryptingSerializer<byte[]> ser = settings == null ? null
        : new EncryptingSerializer<>(new ByteArraySerializer())) {
      if (ser != null) {
        ser.configure(settings, false);
      }
      long ts = 1_700_000_000_000L;
      for (byte[] v : values) {
        RecordHeaders h = new RecordHeaders();
        byte[] value = ser == null ? v : ser.serialize(TOPIC, h, v);
        b.append(ts++, null, value, h.toArray());
      }
    }
    MemoryRecords records = b.build();
    return records.sizeInBytes() / (double) values.length;
  }

  /**
   * {@code n} distinct JSON-like values of exactly {@code size} bytes, as the end-to-end harness
   * sends (lz4 and zstd shrink them several-fold).
   */
  static byte[][] values(int size, int n) {
    Random rnd = new Random(42);
    String[] words = {"order", "created", "shipped", "customer", "premium", "standard", "EUR",
        "USD", "warehouse", "berlin", "lisbon", "paid", "pending", "express", "returned"};
    byte[][] pool = new byte[n][];
    for (int i = 0; i < n; i++) {
      StringBuilder sb = new StringBuilder(size + 64);
      sb.append("{\"id\":").append(rnd.nextInt(1_000_000_000)).append(",\"items\":[");
      int item = 0;
      while (sb.length() < size - 2) {
        if (item++ > 0) {
          sb.append(',');
        }
        sb.append("{\"sku\":\"").append(words[rnd.nextInt(words.length)]).append('-')
            .append(rnd.nextInt(10_000)).append("\",\"qty\":").append(rnd.nextInt(9) + 1)
            .append(",\"status\":\"").append(words[rnd.nextInt(words.length)]).append("\"}");
      }
      sb.setLength(size - 2);
      sb.append("]}");
      pool[i] = sb.toString().getBytes(StandardCharsets.US_ASCII);
    }
    return pool;
  }

}
