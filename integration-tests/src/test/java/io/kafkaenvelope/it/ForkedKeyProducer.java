package io.kafkaenvelope.it;

import io.kafkaenvelope.serde.EncryptingSerializer;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * A producer in its own JVM for {@link DeterministicKeysTest}: sends one record whose key is
 * encrypted deterministically under the local KMS's keyset directory, prints
 * {@code SENT <partition> <offset>} and exits. Arguments: bootstrap servers, topic, keyset
 * directory, key, value.
 */
public final class ForkedKeyProducer {

  private ForkedKeyProducer() {}

  public static void main(String[] args) throws Exception {
    Map<String, Object> m = new HashMap<>();
    m.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
    m.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, EncryptingSerializer.class.getName());
    m.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    m.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 60_000);
    m.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 30_000);
    m.putAll(DeterministicKeysTest.localKms(args[2]));
    try (KafkaProducer<String, String> p = new KafkaProducer<>(m)) {
      RecordMetadata md = p.send(new ProducerRecord<>(args[1], args[3], args[4])).get();
      System.out.println("SENT " + md.partition() + " " + md.offset());
    }
    System.exit(0);
  }
}
