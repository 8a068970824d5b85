package io.kafkaenvelope.cli;

import io.kafkaenvelope.config.EnvelopeConfig;
import io.kafkaenvelope.internal.wire.Role;
import io.kafkaenvelope.internal.wire.WireFormat;
import io.kafkaenvelope.serde.EncryptingSerializer;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code reencrypt SRC DST}: copies a topic, decrypting each record with the source settings and
 * encrypting it again under the target settings (a new KEK, framing, compression), keeping
 * partition, key, timestamp and the other headers.
 *
 * <p>Exactly once and resumable: records are written in transactions that also commit the
 * source position to a consumer group ({@code sendOffsetsToTransaction}), so a copy that stops —
 * by {@code --max-records}, a crash or Ctrl-C — resumes where its last transaction ended, and a
 * read_committed reader of the destination sees each source record once. It copies what the
 * source holds when it starts (its end offsets then), and finally checks that the destination
 * holds as many records per partition as the source.
 */
@Command(name = "reencrypt", mixinStandardHelpOptions = true,
    description = {"Copy SRC to DST, decrypting each record with the --config settings and "
        + "encrypting it again under the target settings (--target-config, -T), keeping "
        + "partition, key, timestamp and other headers.",
        "Exactly once (a transactional producer commits the source position with the records) "
            + "and resumable: run it again with the same --group to continue. Copies the records "
            + "the source has when it starts, then checks the destination's record counts per "
            + "partition (exit code 5 if they differ). A record that does not decrypt stops the "
            + "copy (exit code 4) with its offset; nothing of its transaction is written."})
final class ReencryptCommand implements Callable<Integer> {

  /** Called after each record is sent (tests stop a run there, as a crash would). */
  interface Hook {
    void afterSend(long sentThisRun);
  }

  @Spec CommandSpec spec;
  @Mixin ClientOptions client;

  @Parameters(index = "0", paramLabel = "SRC", description = "The topic to read.")
  String source;

  @Parameters(index = "1", paramLabel = "DST", description = "The topic to write; it must exist "
      + "with at least as many partitions as SRC, and should be empty before the first run.")
  String destination;

  @Option(names = "--target-config", paramLabel = "FILE",
      description = "Serializer and producer settings for DST (envelope.kek.id, "
          + "envelope.kms.*, ...), applied over --config.")
  Path targetConfig;

  @Option(names = {"-T", "--target-property"}, paramLabel = "KEY=VALUE",
      description = "One target setting over --target-config (repeatable), e.g. "
          + "-T envelope.kek.id=orders-2026.")
  Map<String, String> targetProperties = new LinkedHashMap<>();

  @Option(names = "--group", paramLabel = "GROUP",
      description = "The consumer group holding the copy's position (default: "
          + "kafka-envelope-reencrypt.SRC.DST).")
  String group;

  @Option(names = "--transactional-id", paramLabel = "ID",
      description = "The producer's transactional.id (default: the group). Two copies with the "
          + "same id fence each other.")
  String transactionalId;

  @Option(names = "--max-records", paramLabel = "N",
      description = "Stop after this many records in this run (resume later).")
  Long maxRecords;

  @Option(names = "--batch", paramLabel = "N", defaultValue = "1000",
      description = "Records per transaction, at most (default: ${DEFAULT-VALUE}).")
  int batch;

  @Option(names = "--no-count-check",
      description = "Skip the final count of both topics (it reads both once more).")
  boolean noCountCheck;

  @Option(names = "--timeout-ms", paramLabel = "MS", defaultValue = "60000",
      description = "Give up when no record arrives for this long (default: ${DEFAULT-VALUE}).")
  long timeoutMs;

  @Option(names = {"-q", "--quiet"}, description = "No progress bar on stderr.")
  boolean quiet;

  private final Hook hook;

  ReencryptCommand() {
    this(n -> { });
  }

  ReencryptCommand(Hook hook) {
    this.hook = hook;
  }

  @Override
  public Integer call() {
    if (source.equals(destination)) {
      throw new CliException(ExitCode.USAGE, "SRC and DST must differ");
    }
    if (maxRecords != null && maxRecords < 1) {
      throw new CliException(ExitCode.USAGE, "--max-records must be at least 1");
    }
    if (batch < 1) {
      throw new CliException(ExitCode.USAGE, "--batch must be at least 1");
    }
    Map<String, Object> settings = client.load();
    Map<String, Object> target = targetSettings(settings);
    String groupId = group != null ? group
        : "kafka-envelope-reencrypt." + source + "." + destination;
    String txId = transactionalId != null ? transactionalId : groupId;
    PrintWriter out = spec.commandLine().getOut();

    long copied;
    Map<Integer, Long> ends = new TreeMap<>();
    boolean complete;
    try (Decryptors decrypt = new Decryptors(settings, true);
        EncryptingSerializer<byte[]> valueSer = serializer(target, false);
        EncryptingSerializer<byte[]> keySer = serializer(target, true);
        KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(
            consumerSettings(settings, groupId), new ByteArrayDeserializer(),
            new ByteArrayDeserializer());
        KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(
            producerSettings(target, txId), new ByteArraySerializer(),
            new ByteArraySerializer())) {
      List<TopicPartition> parts = TopicScanner.partitions(consumer, source, List.of());
      int dstPartitions = TopicScanner.partitions(consumer, destination, List.of()).size();
      if (dstPartitions < parts.size()) {
        throw new CliException(ExitCode.CONFIG, "destination '" + destination + "' has "
            + dstPartitions + " partitions, fewer than the " + parts.size() + " of '" + source
            + "': records keep their partition, so create it with at least as many");
      }
      consumer.assign(parts);
      Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(new HashSet<>(parts));
      Map<TopicPartition, Long> beginning = consumer.beginningOffsets(parts);
      Map<TopicPartition, Long> end = consumer.endOffsets(parts);
      long todo = 0;
      Map<TopicPartition, Long> startedAt = new TreeMap<>(TopicScanner::compare);
      for (TopicPartition tp : parts) {
        OffsetAndMetadata c = committed.get(tp);
        long from = Math.max(c == null ? 0 : c.offset(), beginning.get(tp));
        consumer.seek(tp, from);
        startedAt.put(tp, from);
        ends.put(tp.partition(), end.get(tp));
        todo += Math.max(0, end.get(tp) - from);
      }
      producer.initTransactions();
      Progress progress = new Progress(spec.commandLine().getErr(),
          "reencrypt " + source + " -> " + destination, todo, !quiet);
      Map<TopicPartition, Long> next = new HashMap<>(startedAt);
      copied = copy(consumer, producer, decrypt, valueSer, keySer, end, next, progress);
      // the position fetched may run ahead of the records copied when --max-records stopped it
      complete = maxRecords == null || copied < maxRecords
          || parts.stream().allMatch(tp -> next.get(tp) >= end.get(tp));
      progress.done();
      out.printf("reencrypted %,d records from '%s' to '%s' (group %s; this run started at %s)%n",
          copied, source, destination, groupId, offsets(startedAt));
    } catch (ProducerFencedException e) {
      throw new CliException(ExitCode.RUNTIME, "another reencrypt with transactional.id '" + txId
          + "' took over; this one stopped (its open transaction is aborted)", e);
    }
    if (!complete) {
      out.printf("stopped after --max-records %,d; run the same command again to continue%n",
          maxRecords);
      out.flush();
      return ExitCode.OK;
    }
    out.flush();
    return noCountCheck ? ExitCode.OK : countCheck(settings, ends, out);
  }

  /** Reads and writes transactions of at most {@code batch} records until the end offsets. */
  private long copy(KafkaConsumer<byte[], byte[]> consumer,
      KafkaProducer<byte[], byte[]> producer, Decryptors decrypt,
      EncryptingSerializer<byte[]> valueSer, EncryptingSerializer<byte[]> keySer,
      Map<TopicPartition, Long> end, Map<TopicPartition, Long> next, Progress progress) {
    Set<TopicPartition> remaining = new HashSet<>();
    end.forEach((tp, e) -> {
      if (consumer.position(tp) < e) {
        remaining.add(tp);
      }
    });
    long copied = 0;
    long idleSince = System.nanoTime();
    // One transaction spans polls until it holds --batch records (or the copy stops): its
    // records and the source position become visible together, or not at all. Transactions end
    // at multiples of --batch records of a run, whatever the polls return.
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    int inTransaction = 0;
    while (!remaining.isEmpty() && (maxRecords == null || copied < maxRecords)) {
      Set<TopicPartition> done = new HashSet<>(end.keySet());
      done.removeAll(remaining);
      consumer.pause(done);
      ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(200));
      for (ConsumerRecord<byte[], byte[]> r : records) {
        TopicPartition tp = new TopicPartition(r.topic(), r.partition());
        if (r.offset() >= end.get(tp) || (maxRecords != null && copied >= maxRecords)) {
          continue;
        }
        if (inTransaction == 0) {
          producer.beginTransaction();
        }
        ProducerRecord<byte[], byte[]> out;
        try {
          out = transform(r, decrypt, valueSer, keySer);
        } catch (RuntimeException e) {
          producer.abortTransaction();
          RecordFailure f = RecordFailure.of(r, "record", e);
          throw new CliException(ExitCode.RUNTIME, "cannot re-encrypt " + f.line() + "; "
              + "nothing of its transaction was written, and a new run resumes at the last "
              + "committed position", e);
        }
        producer.send(out);
        offsets.put(tp, new OffsetAndMetadata(r.offset() + 1));
        next.put(tp, r.offset() + 1);
        copied++;
        inTransaction++;
        progress.step();
        hook.afterSend(copied);
        if (inTransaction >= batch) {
          commit(producer, consumer, offsets);
          inTransaction = 0;
        }
      }
      for (TopicPartition tp : new HashSet<>(remaining)) {
        if (consumer.position(tp) >= end.get(tp)) {
          remaining.remove(tp);
        }
      }
      if (!records.isEmpty()) {
        idleSince = System.nanoTime();
      } else if (System.nanoTime() - idleSince > timeoutMs * 1_000_000L) {
        throw new CliException(ExitCode.RUNTIME, "no records arrived from '" + source
            + "' for " + timeoutMs + " ms before its end offsets were reached (raise "
            + "--timeout-ms)");
      }
    }
    if (inTransaction > 0) {
      commit(producer, consumer, offsets);
    }
    return copied;
  }

  /** Commits the open transaction with the source position after its records. */
  private static void commit(KafkaProducer<byte[], byte[]> producer,
      KafkaConsumer<byte[], byte[]> consumer, Map<TopicPartition, OffsetAndMetadata> offsets) {
    producer.sendOffsetsToTransaction(offsets, consumer.groupMetadata());
    producer.commitTransaction();
    offsets.clear();
  }

  /**
   * The record for the destination: plaintext of value (and of an encrypted key) sealed again
   * under the target settings; the old envelope headers dropped, every other header kept.
   */
  private ProducerRecord<byte[], byte[]> transform(ConsumerRecord<byte[], byte[]> r,
      Decryptors decrypt, EncryptingSerializer<byte[]> valueSer,
      EncryptingSerializer<byte[]> keySer) {
    if (Decryptors.fieldMode(r, Role.VALUE) || Decryptors.fieldMode(r, Role.KEY)) {
      // its plaintext is a record of its format, not bytes, and the target serializer would
      // need that format to seal its fields again: refused before anything is written
      throw new IllegalStateException("the record is in field mode (envelope.mode=field: its "
          + "fields are encrypted one by one, in field headers); reencrypt copies record-mode "
          + "envelopes only (versions 1 to 4 and 6). Re-encrypt a field-mode topic with a Kafka "
          + "Streams or consumer/producer copy using your format's serdes");
    }
    byte[] value = (byte[]) decrypt.value(r);
    boolean keyEncrypted = Decryptors.keyEncrypted(r);
    byte[] key = keyEncrypted ? (byte[]) decrypt.key(r) : r.key();
    RecordHeaders headers = new RecordHeaders();
    for (Header h : r.headers()) {
      if (!h.key().equals(WireFormat.VALUE_HEADER) && !h.key().equals(WireFormat.KEY_HEADER)) {
        headers.add(h);
      }
    }
    byte[] newKey = keyEncrypted && key != null ? keySer.serialize(destination, headers, key)
        : key;
    byte[] newValue = value == null ? null : valueSer.serialize(destination, headers, value);
    return new ProducerRecord<>(destination, r.partition(), r.timestamp(), newKey, newValue,
        headers);
  }

  /**
   * The target settings: the source's (connection, security, KMS) with --target-config and -T
   * over them. A target KEK id or template replaces both of the source's.
   */
  Map<String, Object> targetSettings(Map<String, Object> settings) {
    Map<String, Object> t = new HashMap<>();
    if (targetConfig != null) {
      t.putAll(ClientOptions.read(targetConfig, "--target-config"));
    }
    t.putAll(targetProperties);
    Map<String, Object> m = new HashMap<>(settings);
    if (t.containsKey(EnvelopeConfig.KEK_ID) || t.containsKey(EnvelopeConfig.KEK_ID_TEMPLATE)) {
      m.remove(EnvelopeConfig.KEK_ID);
      m.remove(EnvelopeConfig.KEK_ID_TEMPLATE);
    }
    m.putAll(t);
    return m;
  }

  private static EncryptingSerializer<byte[]> serializer(Map<String, Object> target,
      boolean isKey) {
    EncryptingSerializer<byte[]> s = new EncryptingSerializer<>(new ByteArraySerializer());
    s.configure(target, isKey);
    return s;
  }

  private static Map<String, Object> consumerSettings(Map<String, Object> settings,
      String groupId) {
    Map<String, Object> m = TopicScanner.consumerSettings(settings);
    m.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
    m.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    m.putIfAbsent(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 1000);
    return m;
  }

  private Map<String, Object> producerSettings(Map<String, Object> target, String txId) {
    Map<String, Object> m = new HashMap<>(target);
    m.remove(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG);
    m.remove(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG);
    m.remove(ProducerConfig.PARTITIONER_CLASS_CONFIG);
    m.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, txId);
    m.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    m.put(ProducerConfig.ACKS_CONFIG, "all");
    m.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "kafka-envelope-reencrypt");
    return m;
  }

  /** Compares per-partition record counts of both topics; exit code 5 if they differ. */
  private int countCheck(Map<String, Object> settings, Map<Integer, Long> ends, PrintWriter out) {
    Map<Integer, Long> src = count(settings, source, ends);
    Map<Integer, Long> dst = count(settings, destination, Map.of());
    long s = src.values().stream().mapToLong(Long::longValue).sum();
    long d = dst.values().stream().mapToLong(Long::longValue).sum();
    Map<Integer, Long> dstSameKeys = new TreeMap<>(dst);
    dstSameKeys.values().removeIf(n -> n == 0);
    Map<Integer, Long> srcSameKeys = new TreeMap<>(src);
    srcSameKeys.values().removeIf(n -> n == 0);
    if (srcSameKeys.equals(dstSameKeys)) {
      out.printf("count check: '%s' and '%s' hold %,d records each: OK%n", source, destination, s);
      out.flush();
      return ExitCode.OK;
    }
    out.printf("count check FAILED: '%s' holds %,d records %s, '%s' holds %,d %s%n", source, s,
        src, destination, d, dst);
    out.flush();
    return ExitCode.COUNT_MISMATCH;
  }

  private Map<Integer, Long> count(Map<String, Object> settings, String topic,
      Map<Integer, Long> ends) {
    Map<Integer, Long> counts = new TreeMap<>();
    ScanOptions all = new ScanOptions();
    all.timeoutMs = timeoutMs;
    try (TopicScanner scanner = new TopicScanner(settings, topic, all, ends)) {
      scanner.startOffsets().keySet().forEach(tp -> counts.put(tp.partition(), 0L));
      scanner.scan(Progress.none(), r -> {
        counts.merge(r.partition(), 1L, Long::sum);
        return true;
      });
    }
    return counts;
  }

  private static String offsets(Map<TopicPartition, Long> m) {
    StringBuilder sb = new StringBuilder();
    m.forEach((tp, o) -> sb.append(sb.length() == 0 ? "" : ", ").append('p')
        .append(tp.partition()).append('@').append(o));
    return sb.toString();
  }
}
