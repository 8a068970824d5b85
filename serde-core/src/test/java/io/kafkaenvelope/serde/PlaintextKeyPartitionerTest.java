package io.kafkaenvelope.serde;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkaenvelope.testing.TestConfigs;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.Cluster;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;

class PlaintextKeyPartitionerTest {

  private static Cluster cluster(String topic, int partitions) {
    Node node = new Node(0, "localhost", 9092);
    List<PartitionInfo> infos = new ArrayList<>();
    for (int p = 0; p < partitions; p++) {
      infos.add(new PartitionInfo(topic, p, node, new Node[] {node}, new Node[] {node}));
    }
    return new Cluster("c", List.of(node), infos, Set.of(), Set.of());
  }

  @Test
  void encryptedKeysLandWhereTheirPlaintextWouldAndStayTogether() {
    Map<String, Object> configs = TestConfigs.base(TestConfigs.newKmsName());
    Cluster cluster = cluster("t", 12);
    PlaintextKeyPartitioner partitioner = new PlaintextKeyPartitioner();
    partitioner.configure(configs);
    EncryptingSerializer<String> keys = new EncryptingSerializer<>();
    keys.configure(configs, true);
    try {
      Set<Integer> byCiphertext = new HashSet<>();
      for (int i = 0; i < 50; i++) {
        String key = "customer-42";
        byte[] encrypted = keys.serialize("t", new RecordHeaders(), key);
        int expected = Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % 12;
        assertEquals(expected, partitioner.partition("t", key, encrypted, null, null, cluster));
        byCiphertext.add(Utils.toPositive(Utils.murmur2(encrypted)) % 12);
      }
      assertTrue(byCiphertext.size() > 1,
          "the default formula on ciphertext would scatter one key across partitions");
      int p = partitioner.partition("t", null, null, "v", null, cluster);
      assertTrue(p >= 0 && p < 12);
    } finally {
      partitioner.close();
      keys.close();
    }
  }

  @Test
  void needsTheInnerKeySerializer() {
    Map<String, Object> configs = TestConfigs.base(TestConfigs.newKmsName());
    configs.remove("envelope.inner.serializer");
    assertThrows(ConfigException.class, () -> new PlaintextKeyPartitioner().configure(configs));
  }
}
