package io.kafkaenvelope.serde;

import io.kafkaenvelope.config.EnvelopeConfig;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.kafka.clients.producer.Partitioner;
import org.apache.kafka.common.Cluster;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.utils.Utils;

/**
 * Partitions by the plaintext of the record key when keys are encrypted. Encrypted keys are
 * randomized, so Kafka's default partitioner, which hashes the serialized key, would scatter one
 * logical key across partitions and lose per-key ordering. This partitioner serializes the key
 * with the inner key serializer ({@code envelope.key.inner.serializer}, else
 * {@code envelope.inner.serializer}) and applies Kafka's own formula (murmur2 of the bytes,
 * positive, modulo the partition count), so each key lands where it would without encryption.
 *
 * <pre>
 * key.serializer=io.kafkaenvelope.serde.EncryptingSerializer
 * partitioner.class=io.kafkaenvelope.serde.PlaintextKeyPartitioner
 * </pre>
 *
 * Records without a key go to a random available partition. Log compaction still cannot match
 * encrypted keys: do not encrypt keys of compacted topics.
 */
public class PlaintextKeyPartitioner implements Partitioner {

  private Serializer<Object> keySerializer;

  @Override
  @SuppressWarnings("unchecked")
  public void configure(Map<String, ?> configs) {
    EnvelopeConfig config = EnvelopeConfig.forRole(configs, true);
    Class<?> cls = config.getClass(EnvelopeConfig.INNER_SERIALIZER);
    if (cls == null) {
      throw new ConfigException("PlaintextKeyPartitioner needs "
          + EnvelopeConfig.KEY_OVERRIDE_PREFIX + "inner.serializer (or "
          + EnvelopeConfig.INNER_SERIALIZER + ") to serialize keys as the encrypting key "
          + "serializer does");
    }
    keySerializer = InnerSerdes.newInstance(cls, Serializer.class,
        EnvelopeConfig.INNER_SERIALIZER);
    keySerializer.configure(configs, true);
  }

  @Override
  public int partition(String topic, Object key, byte[] keyBytes, Object value, byte[] valueBytes,
      Cluster cluster) {
    byte[] plain = key == null ? null : keySerializer.serialize(topic, key);
    if (plain == null) {
      List<PartitionInfo> available = cluster.availablePartitionsForTopic(topic);
      List<PartitionInfo> all = available.isEmpty() ? cluster.partitionsForTopic(topic) : available;
      return all.get(ThreadLocalRandom.current().nextInt(all.size())).partition();
    }
    return Utils.toPositive(Utils.murmur2(plain)) % cluster.partitionCountForTopic(topic);
  }

  @Override
  public void close() {
    if (keySerializer != null) {
      keySerializer.close();
    }
  }
}
