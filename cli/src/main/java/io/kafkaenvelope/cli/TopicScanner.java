package io.kafkaenvelope.cli;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads a topic's raw records (bytes as the broker holds them) over a fixed range: the partitions
 * asked for, from a start offset to the end offset each had when the scan began. Partitions are
 * assigned, not subscribed, so no consumer group is joined or committed to. Committed records only
 * ({@code isolation.level=read_committed}) unless the configuration says otherwise.
 */
final class TopicScanner implements AutoCloseable {

  private final KafkaConsumer<byte[], byte[]> consumer;
  private final String topic;
  private final Map<TopicPartition, Long> start = new TreeMap<>(TopicScanner::compare);
  private final Map<TopicPartition, Long> end = new TreeMap<>(TopicScanner::compare);
  private final long timeoutMs;

  TopicScanner(Map<String, Object> settings, String topic, ScanOptions scan) {
    this(settings, topic, scan, Map.of());
  }

  /**
   * @param ends per partition, where to stop instead of the end offset (reencrypt's count check
   *     stops where the copy stopped)
   */
  TopicScanner(Map<String, Object> settings, String topic, ScanOptions scan,
      Map<Integer, Long> ends) {
    scan.validate();
    this.topic = topic;
    this.timeoutMs = scan.timeoutMs;
    this.consumer = new KafkaConsumer<>(consumerSettings(settings), new ByteArrayDeserializer(),
        new ByteArrayDeserializer());
    try {
      List<TopicPartition> parts = partitions(consumer, topic, scan.partitions);
      consumer.assign(parts);
      Map<TopicPartition, Long> first = consumer.beginningOffsets(parts);
      Map<TopicPartition, Long> last = consumer.endOffsets(parts);
      for (TopicPartition tp : parts) {
        long s = scan.from == null ? first.get(tp) : Math.max(first.get(tp), scan.from);
        long e = scan.to == null ? last.get(tp) : Math.min(last.get(tp), scan.to);
        if (ends.containsKey(tp.partition())) {
          e = Math.min(e, ends.get(tp.partition()));
        }
        start.put(tp, s);
        end.put(tp, Math.max(s, e));
        consumer.seek(tp, s);
      }
    } catch (RuntimeException e) {
      consumer.close(Duration.ZERO);
      throw e;
    }
  }

  /** The raw consumer settings: byte arrays, no group, no topic auto-creation. */
  static Map<String, Object> consumerSettings(Map<String, Object> settings) {
    Map<String, Object> m = new HashMap<>(settings);
    m.remove(ConsumerConfig.GROUP_ID_CONFIG);
    m.remove(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
    m.remove(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG);
    m.remove(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG);
    m.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    m.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
    m.putIfAbsent(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    m.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, "kafka-envelope-cli");
    return m;
  }

  /** The partitions of {@code topic} to read; fails naming the topic or partition if missing. */
  static List<TopicPartition> partitions(KafkaConsumer<?, ?> consumer, String topic,
      List<Integer> wanted) {
    List<PartitionInfo> infos;
    try {
      infos = consumer.partitionsFor(topic, Duration.ofSeconds(30));
    } catch (KafkaException e) {
      throw new CliException(ExitCode.RUNTIME, "cannot read the partitions of topic '" + topic
          + "': " + e.getMessage(), e);
    }
    if (infos == null || infos.isEmpty()) {
      throw new CliException(ExitCode.RUNTIME, "topic '" + topic + "' does not exist (or this "
          + "client may not describe it)");
    }
    List<TopicPartition> all = new ArrayList<>();
    for (PartitionInfo p : infos) {
      all.add(new TopicPartition(topic, p.partition()));
    }
    all.sort(TopicScanner::compare);
    if (wanted.isEmpty()) {
      return all;
    }
    List<TopicPartition> out = new ArrayList<>();
    for (int p : wanted) {
      TopicPartition tp = new TopicPartition(topic, p);
      if (!all.contains(tp)) {
        throw new CliException(ExitCode.USAGE, "topic '" + topic + "' has no partition " + p
            + " (it has " + all.size() + ")");
      }
      if (!out.contains(tp)) {
        out.add(tp);
      }
    }
    return out;
  }

  static int compare(TopicPartition a, TopicPartition b) {
    int c = a.topic().compareTo(b.topic());
    return c != 0 ? c : Integer.compare(a.partition(), b.partition());
  }

  /** How many offsets the scan covers (records, plus any transaction markers among them). */
  long span() {
    long n = 0;
    for (TopicPartition tp : end.keySet()) {
      n += end.get(tp) - start.get(tp);
    }
    return n;
  }

  Map<TopicPartition, Long> startOffsets() {
    return start;
  }

  Map<TopicPartition, Long> endOffsets() {
    return end;
  }

  /**
   * Hands each record in range to {@code sink} in offset order per partition, until every
   * partition reached its end or {@code sink} asks to stop.
   *
   * @param sink returns {@code false} to stop
   */
  void scan(Progress progress, Predicate<ConsumerRecord<byte[], byte[]>> sink) {
    Map<TopicPartition, Long> remaining = new HashMap<>();
    end.forEach((tp, e) -> {
      if (e > start.get(tp)) {
        remaining.put(tp, e);
      }
    });
    pause(remaining);
    long lastProgress = System.nanoTime();
    while (!remaining.isEmpty()) {
      boolean any = false;
      for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
        TopicPartition tp = new TopicPartition(r.topic(), r.partition());
        Long e = remaining.get(tp);
        if (e == null || r.offset() >= e) {
          continue;
        }
        any = true;
        if (!sink.test(r)) {
          return;
        }
        progress.step();
      }
      for (TopicPartition tp : new ArrayList<>(remaining.keySet())) {
        if (consumer.position(tp) >= remaining.get(tp)) {
          remaining.remove(tp);
        }
      }
      pause(remaining);
      if (any) {
        lastProgress = System.nanoTime();
      } else if (System.nanoTime() - lastProgress > timeoutMs * 1_000_000L) {
        throw new CliException(ExitCode.RUNTIME, "no records arrived from '" + topic + "' for "
            + timeoutMs + " ms before its end offsets " + remaining + " were reached "
            + "(raise --timeout-ms, or check the brokers)");
      }
    }
    progress.done();
  }

  /** Stops fetching partitions already read to their end. */
  private void pause(Map<TopicPartition, Long> remaining) {
    List<TopicPartition> done = new ArrayList<>(end.keySet());
    done.removeAll(remaining.keySet());
    consumer.pause(done);
  }

  @Override
  public void close() {
    consumer.close(Duration.ofSeconds(5));
  }
}
