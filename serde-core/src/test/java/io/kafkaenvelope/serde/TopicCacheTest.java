package io.kafkaenvelope.serde;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.kafkaenvelope.internal.wire.EnvelopeHeader;
import io.kafkaenvelope.internal.wire.Role;
import io.kafkaenvelope.testing.Pair;
import io.kafkaenvelope.testing.TestConfigs;
import java.util.Map;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

/**
 * The serializer remembers the last topic's rotator and each key the last topic's header: records
 * of topics that alternate, or of a topic named by an equal but distinct String, still get the
 * KEK and header of their own topic, and a reader refuses each under the other's name.
 */
class TopicCacheTest {

  private record Sent(RecordHeaders headers, byte[] wire) {}

  private static Sent send(Pair p, String topic, String value) {
    RecordHeaders h = new RecordHeaders();
    return new Sent(h, p.serializer.serialize(topic, h, value));
  }

  private static EnvelopeHeader header(Sent s) {
    return EnvelopeHeader.parse(s.headers.lastHeader(Role.VALUE.headerName()).value());
  }

  @Test
  void alternatingTopicsEachGetTheirOwnKekAndHeader() {
    for (String format : new String[] {"1", "6"}) {
      Map<String, Object> configs = TestConfigs.base(TestConfigs.newKmsName());
      configs.remove("envelope.kek.id");
      configs.put("envelope.kek.id.template", "kafka-${topic}");
      configs.put("envelope.format.version", format);
      try (Pair p = new Pair(configs, false)) {
        for (int i = 0; i < 4; i++) {
          // a topic name built at run time: equal to, not the same String as, the last one
          String orders = new String("orders");
          Sent o = send(p, i % 2 == 0 ? "orders" : orders, "o" + i);
          Sent q = send(p, "payments", "p" + i);
          assertEquals("orders", header(o).topic());
          assertEquals("kafka-orders", header(o).kekId());
          assertEquals("payments", header(q).topic());
          assertEquals("kafka-payments", header(q).kekId());
          assertEquals("o" + i, p.deserializer.deserialize("orders", o.headers, o.wire));
          assertEquals("p" + i, p.deserializer.deserialize("payments", q.headers, q.wire));
          EnvelopeException e = assertThrows(EnvelopeException.class,
              () -> p.deserializer.deserialize("payments", o.headers, o.wire));
          assertEquals(EnvelopeException.Reason.TOPIC_MISMATCH, e.reason());
        }
      }
    }
  }
}
