package io.kafkaenvelope.testing;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Client settings and polling helpers the broker tests of every module share: String keys, the
 * value serde under test, a fresh consumer group per consumer, and a raw consumer that sees the
 * bytes as the broker stores them.
 */
public final class TestClients {

  private static final AtomicInteger SEQ = new AtomicInteger();
  private static final Duration POLL_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration DELIVERY_TIMEOUT = Duration.ofSeconds(60);

  private TestClients() {}

  /** {@code prefix-N}, unique in this JVM: topics, groups and KMS names per test. */
  public static String unique(String prefix) {
    return prefix + "-" + SEQ.incrementAndGet();
  }

  /** {@code settings} plus bootstrap, a String key serializer and {@code valueSerializer}. */
  public static Map<String, Object> producerConfig(KafkaBroker broker, Map<String, ?> settings,
      String valueSerializer) {
    Map<String, Object> m = new HashMap<>(settings);
    m.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    m.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    m.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, valueSerializer);
    m.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    // A send that cannot be delivered fails within a minute (the default is two) instead of
    // holding close() and the test.
    m.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 30_000);
    m.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) DELIVERY_TIMEOUT.toMillis());
    return m;
  }

  /**
   * {@code settings} plus bootstrap, a new group reading from the earliest offset, a String key
   * deserializer and {@code valueDeserializer}.
   */
  public static Map<String, Object> consumerConfig(KafkaBroker broker, Map<String, ?> settings,
      String valueDeserializer) {
    Map<String, Object> m = new HashMap<>(settings);
    m.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    m.put(ConsumerConfig.GROUP_ID_CONFIG, unique("group"));
    m.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    m.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    m.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, valueDeserializer);
    return m;
  }

  /**
   * A consumer that sees keys, values and headers exactly as the broker holds them (committed
   * records only, so aborted transactions do not count).
   */
  public static KafkaConsumer<byte[], byte[]> rawConsumer(KafkaBroker broker) {
    Map<String, Object> m = new HashMap<>();
    m.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    m.put(ConsumerConfig.GROUP_ID_CONFIG, unique("raw"));
    m.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    m.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    return new KafkaConsumer<>(m, new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }

  /** Subscribes to {@code topic} and polls until {@code expected} records came or 60 s passed. */
  public static <K, V> List<ConsumerRecord<K, V>> drain(KafkaConsumer<K, V> consumer,
      String topic, int expected) {
    consumer.subscribe(List.of(topic));
    return pollUntil(consumer, r -> r.size() >= expected);
  }

  /** Polls until {@code done} holds for what was read so far, or 60 s passed. */
  public static <K, V> List<ConsumerRecord<K, V>> pollUntil(KafkaConsumer<K, V> consumer,
      Predicate<List<ConsumerRecord<K, V>>> done) {
    List<ConsumerRecord<K, V>> out = new ArrayList<>();
    long deadline = System.nanoTime() + POLL_TIMEOUT.toNanos();
    while (!done.test(out) && System.nanoTime() < deadline) {
      consumer.poll(Duration.ofMillis(200)).forEach(out::add);
    }
    return out;
  }

  /**
   * Reads every partition of {@code topic} from the beginning up to the end the broker reports
   * now (its high watermark): all that is stored, nothing left to a timing guess. A read_committed
   * consumer gets there too, skipping aborted records and transaction markers, once the markers
   * of the last transaction are written (they trail commitTransaction()). Assigns the partitions,
   * so no group rebalance is involved. Fails if the end is not reached within 60 s.
   */
  public static <K, V> List<ConsumerRecord<K, V>> drainToEnd(KafkaBroker broker,
      KafkaConsumer<K, V> consumer, String topic) {
    List<TopicPartition> partitions = new ArrayList<>();
    for (PartitionInfo p : consumer.partitionsFor(topic)) {
      partitions.add(new TopicPartition(topic, p.partition()));
    }
    Map<TopicPartition, Long> end = new HashMap<>();
    try {
      Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
      partitions.forEach(tp -> latest.put(tp, OffsetSpec.latest()));
      broker.admin().listOffsets(latest).all().get(30, TimeUnit.SECONDS)
          .forEach((tp, info) -> end.put(tp, info.offset()));
    } catch (Exception e) {
      throw new IllegalStateException("could not read the end offsets of " + topic, e);
    }
    consumer.assign(partitions);
    consumer.seekToBeginning(partitions);
    List<ConsumerRecord<K, V>> out = new ArrayList<>();
    long deadline = System.nanoTime() + POLL_TIMEOUT.toNanos();
    while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(topic + ": end offsets " + end + " not reached in "
            + POLL_TIMEOUT.toSeconds() + " s; read " + out.size() + " records");
      }
      consumer.poll(Duration.ofMillis(200)).forEach(out::add);
    }
    return out;
  }

  /**
   * Asserts that every send was acknowledged (waiting for each at most the delivery timeout), so a
   * lost record fails the test with the producer's error, not later as a short count.
   */
  public static void assertAllAcked(List<Future<RecordMetadata>> sends) {
    for (int i = 0; i < sends.size(); i++) {
      try {
        sends.get(i).get(DELIVERY_TIMEOUT.toSeconds() + 10, TimeUnit.SECONDS);
      } catch (ExecutionException e) {
        throw new AssertionError("send " + i + " of " + sends.size() + " failed: " + e.getCause(),
            e.getCause());
      } catch (TimeoutException e) {
        throw new AssertionError("send " + i + " of " + sends.size() + " not completed", e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted waiting for send " + i, e);
      }
    }
  }

  /** Whether {@code needle} occurs in {@code haystack} read byte for byte (ISO-8859-1). */
  public static boolean contains(byte[] haystack, String needle) {
    return haystack != null
        && new String(haystack, StandardCharsets.ISO_8859_1).contains(needle);
  }
}
