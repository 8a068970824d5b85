package io.kafkaenvelope.it;

import static io.kafkaenvelope.it.Clients.MARKER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkaenvelope.internal.wire.EnvelopeHeader;
import io.kafkaenvelope.internal.wire.Role;
import io.kafkaenvelope.kms.EncryptionContext;
import io.kafkaenvelope.kms.KeyManagementService;
import io.kafkaenvelope.kms.memory.InMemoryKms;
import io.kafkaenvelope.serde.EnvelopeException;
import io.kafkaenvelope.testing.CapturingAppender;
import io.kafkaenvelope.testing.KafkaBroker;
import io.kafkaenvelope.testing.KafkaExtension;
import io.kafkaenvelope.testing.LogScan;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RecordDeserializationException;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 17's observability through the real broker, on each client line the suite runs with:
 * a producer encrypts and rotates (every 5 records), a forger writes under a KEK the consumer does
 * not accept, the consumer decrypts, misses once per data key and hits for the rest, and refuses
 * the forged records. Every metric docs/metrics.md documents is read from the platform MBean
 * server and checked against what was driven; the audit lines of each key event appear and hold
 * none of the data keys (recovered from the records through the KMS) nor the plaintext.
 */
class MetricsBrokerTest {

  @RegisterExtension static final KafkaExtension KAFKA = new KafkaExtension();

  private static final MBeanServer JMX = ManagementFactory.getPlatformMBeanServer();
  private static final String SERIALIZER = "kafka-envelope-serializer-metrics";
  private static final String DESERIALIZER = "kafka-envelope-deserializer-metrics";

  private KafkaBroker broker() {
    return KAFKA.broker();
  }

  /** The one MBean of {@code metric}'s group, client and tags; found by pattern. */
  private static double read(String group, String clientId, String metric, String... tags)
      throws Exception {
    StringBuilder pattern = new StringBuilder("*:type=" + group + ",client-id=" + clientId);
    for (String t : tags) {
      pattern.append(',').append(t);
    }
    pattern.append(",*");
    Set<ObjectName> names = JMX.queryNames(new ObjectName(pattern.toString()), null);
    List<Double> values = new ArrayList<>();
    for (ObjectName n : names) {
      if (n.getKeyProperty("role").equals("value")
          && n.getKeyPropertyList().size() == 3 + tags.length) {
        values.add(((Number) JMX.getAttribute(n, metric)).doubleValue());
      }
    }
    assertEquals(1, values.size(), metric + " in one MBean of " + names);
    return values.get(0);
  }

  @Test
  void eachDocumentedMetricChangesAsDrivenAndEachKeyEventIsAudited() throws Exception {
    String topic = Clients.unique("metrics");
    broker().createTopic(topic, 1);
    String kmsName = Clients.unique("metrics-kms");
    String producerId = Clients.unique("metrics-producer");
    String consumerId = Clients.unique("metrics-consumer");
    Map<String, Object> envelope = Clients.envelope(kmsName);
    envelope.put("envelope.dek.max.records", 5L);
    Map<String, Object> pc = Clients.producerConfig(broker(), envelope);
    pc.put("client.id", producerId);
    Map<String, Object> forgerSettings = new HashMap<>(Clients.envelope(kmsName));
    forgerSettings.put("envelope.kek.id", "forger-kek");
    int plaintextBytes = 0;
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(pc);
        KafkaProducer<String, String> forger = Clients.producer(broker(), forgerSettings)) {
      for (int i = 0; i < 12; i++) {
        producer.send(new ProducerRecord<>(topic, MARKER + "-" + i)).get(30, TimeUnit.SECONDS);
        plaintextBytes += (MARKER + "-" + i).length();
      }
      for (int i = 0; i < 2; i++) {
        forger.send(new ProducerRecord<>(topic, MARKER + "-forged")).get(30, TimeUnit.SECONDS);
      }
      assertEquals(12, read(SERIALIZER, producerId, "records-encrypted-total"));
      assertEquals(plaintextBytes, read(SERIALIZER, producerId, "bytes-encrypted-total"));
      assertEquals(3, read(SERIALIZER, producerId, "deks-created-total"));
      assertEquals(2, read(SERIALIZER, producerId, "dek-rotations-total", "reason=records"));
      assertEquals(0, read(SERIALIZER, producerId, "dek-rotations-total", "reason=age"));
      assertEquals(0, read(SERIALIZER, producerId, "dek-rotations-total", "reason=bytes"));
      assertEquals(3, read(SERIALIZER, producerId, "kms-calls-total", "operation=generate",
          "outcome=success"));
      assertEquals(0, read(SERIALIZER, producerId, "kms-calls-total", "operation=generate",
          "outcome=failure"));
      assertEquals(0, read(SERIALIZER, producerId, "kms-calls-total", "operation=derive",
          "outcome=success"));
      double avg = read(SERIALIZER, producerId, "kms-call-time-avg-ms", "operation=generate");
      double max = read(SERIALIZER, producerId, "kms-call-time-max-ms", "operation=generate");
      assertTrue(avg >= 0 && max >= avg, avg + " <= " + max);
      assertTrue(read(SERIALIZER, producerId, "dek-active-age-max-ms") >= 0);
      assertEquals(0, read(SERIALIZER, producerId, "records-plaintext-total"));
      assertEquals(0, read(SERIALIZER, producerId, "failures-total", "reason=UNKNOWN_KEY"));
    }
    assertTrue(JMX.queryNames(new ObjectName("*:client-id=" + producerId + ",*"), null).stream()
        .noneMatch(n -> n.getKeyProperty("type").equals(SERIALIZER)),
        "the serializer's metrics leave with the producer");

    Map<String, Object> cc = Clients.consumerConfig(broker(), Clients.envelope(kmsName),
        Clients.unique("group"));
    cc.put("client.id", consumerId);
    List<ConsumerRecord<String, String>> read = new ArrayList<>();
    List<EnvelopeException.Reason> refusals = new ArrayList<>();
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(cc)) {
      consumer.subscribe(List.of(topic));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (read.size() + refusals.size() < 14 && System.nanoTime() < deadline) {
        try {
          for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
            read.add(r);
          }
        } catch (RecordDeserializationException e) {
          refusals.add(assertInstanceOf(EnvelopeException.class, e.getCause()).reason());
          consumer.seek(e.topicPartition(), e.offset() + 1);
        }
      }
      assertEquals(12, read.size());
      assertEquals(List.of(EnvelopeException.Reason.KEK_NOT_ALLOWED,
          EnvelopeException.Reason.KEK_NOT_ALLOWED), refusals);
      assertEquals(12, read(DESERIALIZER, consumerId, "records-decrypted-total"));
      assertEquals(plaintextBytes, read(DESERIALIZER, consumerId, "bytes-decrypted-total"));
      assertEquals(3, read(DESERIALIZER, consumerId, "dek-cache-misses-total"));
      assertEquals(9, read(DESERIALIZER, consumerId, "dek-cache-hits-total"));
      assertEquals(3, read(DESERIALIZER, consumerId, "dek-cache-size"));
      assertEquals(3, read(DESERIALIZER, consumerId, "kms-calls-total", "operation=unwrap",
          "outcome=success"));
      assertEquals(0, read(DESERIALIZER, consumerId, "kms-calls-total", "operation=unwrap",
          "outcome=failure"));
      assertTrue(read(DESERIALIZER, consumerId, "kms-call-time-max-ms", "operation=unwrap")
          >= 0);
      assertTrue(read(DESERIALIZER, consumerId, "kms-call-time-avg-ms", "operation=unwrap")
          >= 0);
      assertEquals(0, read(DESERIALIZER, consumerId, "kms-calls-total", "operation=derive",
          "outcome=success"));
      // kafka-clients 4.1 calls the deserializer again for a record it failed on before the
      // application seeks past it, so a poison record can count more than once
      double refused = read(DESERIALIZER, consumerId, "failures-total", "reason=KEK_NOT_ALLOWED");
      assertTrue(refused >= 2 && refused <= 4, "two forged records refused: " + refused);
      assertEquals(0, read(DESERIALIZER, consumerId, "failures-total", "reason=TAMPERED"));
      assertEquals(0, read(DESERIALIZER, consumerId, "records-plaintext-total"));
    }

    List<String> audit = new ArrayList<>();
    for (String e : CapturingAppender.events()) {
      if (e.startsWith("kafka-envelope.audit ")) {
        audit.add(e);
      }
    }
    assertEquals(1, count(audit, "event=dek-created", "client-id=" + producerId, "reason=first"));
    assertEquals(2, count(audit, "event=dek-created", "client-id=" + producerId,
        "reason=records"));
    assertEquals(3, count(audit, "event=dek-retired", "client-id=" + producerId),
        "two rotations and the close");
    assertEquals(3, count(audit, "event=dek-unwrapped", "client-id=" + consumerId,
        "topic=" + topic));
    assertEquals(1, count(audit, "event=record-refused", "client-id=" + consumerId,
        "kek=forger-kek"), "the first refusal per KEK");

    // The data keys themselves, recovered through the KMS from the records read: in no log line
    KeyManagementService kms = InMemoryKms.named(kmsName).client();
    Map<String, byte[]> deks = new LinkedHashMap<>();
    for (ConsumerRecord<String, String> r : read) {
      Header h = r.headers().lastHeader(Role.VALUE.headerName());
      EnvelopeHeader envelopeHeader = EnvelopeHeader.parse(h.value());
      deks.computeIfAbsent(envelopeHeader.dekIdHex(), id -> kms.unwrap(envelopeHeader.kekId(),
          envelopeHeader.wrappedDek(), EncryptionContext.forDek(envelopeHeader.kekId())));
    }
    assertEquals(3, deks.size());
    List<String> needles = new ArrayList<>(LogScan.keyForms(deks.values()));
    needles.add(MARKER);
    LogScan.assertNoneLogged(needles, 5);
    for (String line : audit) {
      assertFalse(line.contains(MARKER), line);
    }
  }

  /**
   * KIP-877: on kafka-clients 4.1 and newer the {@code Monitorable*} serdes' metrics appear among
   * the client's own (its JMX domain, group {@code plugins}, its tags), under the same names; on
   * 3.x those classes cannot load (the interface is missing), which is why the plain serdes do not
   * implement it.
   */
  @Test
  void onKafkaClients41AndNewerTheMonitorableSerdesReportThroughTheClientsMetrics()
      throws Exception {
    String serializer = "io.kafkaenvelope.serde.MonitorableEncryptingSerializer";
    String deserializer = "io.kafkaenvelope.serde.MonitorableDecryptingDeserializer";
    boolean kip877;
    try {
      Class.forName("org.apache.kafka.common.metrics.Monitorable");
      kip877 = true;
    } catch (ClassNotFoundException e) {
      kip877 = false;
    }
    if (!kip877) {
      assertTrue(System.getProperty("kafka-envelope.expected.clients.version").startsWith("3."));
      for (String name : List.of(serializer, deserializer)) {
        try {
          Class.forName(name);
          throw new AssertionError(name + " loaded without Monitorable");
        } catch (NoClassDefFoundError expected) {
          assertTrue(expected.getMessage().contains("Monitorable"), expected.getMessage());
        }
      }
      return;
    }
    String topic = Clients.unique("plugin-metrics");
    broker().createTopic(topic, 1);
    String kmsName = Clients.unique("plugin-kms");
    String producerId = Clients.unique("plugin-producer");
    String consumerId = Clients.unique("plugin-consumer");
    Map<String, Object> pc = Clients.producerConfig(broker(), Clients.envelope(kmsName));
    pc.put("client.id", producerId);
    pc.put("value.serializer", serializer);
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(pc)) {
      for (int i = 0; i < 4; i++) {
        producer.send(new ProducerRecord<>(topic, MARKER + "-" + i)).get(30, TimeUnit.SECONDS);
      }
      assertEquals(4, plugin("kafka.producer", producerId, "records-encrypted-total"));
      assertEquals(1, plugin("kafka.producer", producerId, "kms-calls-total",
          "operation=generate", "outcome=success"));
      assertTrue(JMX.queryNames(new ObjectName("kafka.envelope:client-id=" + producerId + ",*"),
          null).isEmpty(), "no JMX registration of its own");
    }
    assertTrue(JMX.queryNames(new ObjectName("kafka.producer:type=plugins,client-id="
        + producerId + ",*"), null).isEmpty(), "gone with the producer");
    Map<String, Object> cc = Clients.consumerConfig(broker(), Clients.envelope(kmsName),
        Clients.unique("group"));
    cc.put("client.id", consumerId);
    cc.put("value.deserializer", deserializer);
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(cc)) {
      consumer.subscribe(List.of(topic));
      assertEquals(4, Clients.drain(consumer, topic, 4).size());
      assertEquals(4, plugin("kafka.consumer", consumerId, "records-decrypted-total"));
      assertEquals(1, plugin("kafka.consumer", consumerId, "dek-cache-misses-total"));
      assertEquals(3, plugin("kafka.consumer", consumerId, "dek-cache-hits-total"));
    }
  }

  /** A metric among the client's plugin metrics: {@code <domain>:type=plugins,...}. */
  private static double plugin(String domain, String clientId, String metric, String... tags)
      throws Exception {
    StringBuilder pattern = new StringBuilder(domain + ":type=plugins,client-id=" + clientId
        + ",config=value." + (domain.endsWith("producer") ? "serializer" : "deserializer")
        + ",role=value");
    for (String t : tags) {
      pattern.append(',').append(t);
    }
    pattern.append(",*");
    List<Double> values = new ArrayList<>();
    for (ObjectName n : JMX.queryNames(new ObjectName(pattern.toString()), null)) {
      if (n.getKeyPropertyList().size() == 5 + tags.length) { // + class
        values.add(((Number) JMX.getAttribute(n, metric)).doubleValue());
      }
    }
    assertEquals(1, values.size(), metric);
    return values.get(0);
  }

  private static long count(List<String> lines, String... parts) {
    return lines.stream().filter(l -> {
      for (String p : parts) {
        if (!l.contains(p + " ") && !l.endsWith(p)) {
          return false;
        }
      }
      return true;
    }).count();
  }
}
