package io.kafkaenvelope.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The end-to-end scenarios every KMS module (kms-aws, kms-vault, kms-gcp, kms-azure) runs through
 * the real broker against its wire-compatible fake, written once: a producer's records are stored
 * as ciphertext under as many data keys as its limits say, a consumer reads them all back, and a
 * KMS that throttles during a rotation lets the current data key serve to its limit and then
 * fails closed with nothing else on the broker. Settings are String-valued envelope settings
 * ({@code envelope.inner.serializer}/{@code .deserializer} = the String serdes); each module
 * supplies its KMS settings and its fake's call counts, and asserts its own KMS-specific facts
 * (KEK versions, operation names, messages) on what these return. Like {@link EnvelopeFixtures},
 * this module does not depend on serde-core: classes are named, envelope headers are parsed by
 * the caller's {@code parse} (e.g. {@code EnvelopeHeader::parse}).
 */
public final class KmsScenarios {

  /** Records {@link #writeThreeDataKeys} writes: 100 per data key, so three data keys. */
  public static final int RECORDS = 250;
  /** The data key record limit of {@link #throttlingStorm}: the records sent before it fails. */
  public static final int STORM_LIMIT = 50;

  private static final String VALUE_HEADER = "kafka-envelope.value";
  private static final String SERIALIZER = "io.kafkaenvelope.serde.EncryptingSerializer";
  private static final String DESERIALIZER = "io.kafkaenvelope.serde.DecryptingDeserializer";

  private KmsScenarios() {}

  /**
   * Writes {@link #RECORDS} values {@code marker + i} (keys {@code k<i>}) to {@code topic} (made
   * here, two partitions) under {@code envelope} with {@code envelope.dek.max.records=100}, reads
   * them back raw, and fails unless no stored value holds {@code marker}. Returns the stored
   * records' value envelope headers ({@code parse}d), in the order read: three data keys' worth.
   */
  public static <H> List<H> writeThreeDataKeys(KafkaBroker broker, String topic,
      Map<String, Object> envelope, String marker, Function<byte[], H> parse) {
    broker.createTopic(topic, 2);
    Map<String, Object> env = new HashMap<>(envelope);
    env.put("envelope.dek.max.records", 100L);
    try (KafkaProducer<String, String> p = producer(broker, env)) {
      for (int i = 0; i < RECORDS; i++) {
        p.send(new ProducerRecord<>(topic, "k" + i, marker + i));
      }
    }
    return storedHeaders(broker, topic, RECORDS, marker, parse);
  }

  /**
   * Reads {@code n} records of {@code topic} raw and fails unless none holds {@code marker};
   * returns their value envelope headers ({@code kafka-envelope.value}, {@code parse}d), in the
   * order read.
   */
  public static <H> List<H> storedHeaders(KafkaBroker broker, String topic, int n,
      String marker, Function<byte[], H> parse) {
    List<H> out = new ArrayList<>(n);
    for (ConsumerRecord<String, byte[]> r : storedCiphertext(broker, topic, n, marker)) {
      Header h = r.headers().lastHeader(VALUE_HEADER);
      assertNotNull(h, "an envelope header");
      out.add(parse.apply(h.value()));
    }
    return out;
  }

  /**
   * Reads {@code topic} with a consumer under {@code envelope} until {@code n} records came and
   * fails unless every value starts with {@code marker}; returns the values in the order read.
   */
  public static List<String> readAll(KafkaBroker broker, String topic, int n,
      Map<String, Object> envelope, String marker) {
    List<String> values = new ArrayList<>(n);
    try (KafkaConsumer<String, String> c = EnvelopeFixtures.newConsumer(broker, envelope,
        DESERIALIZER)) {
      for (ConsumerRecord<String, String> r : EnvelopeFixtures.drain(c, topic, n)) {
        values.add(r.value());
      }
    }
    assertEquals(n, values.size());
    assertTrue(values.stream().allMatch(v -> v.startsWith(marker)), "every record decrypted");
    return values;
  }

  /**
   * A producer under {@code envelope} with a {@value #STORM_LIMIT}-record data key limit and a
   * one-minute KMS failure backoff sends one record (its data key made), then {@code storm}
   * makes the KMS throttle every call; the producer sends until a send fails. Fails unless the
   * current data key served exactly to its limit, the failure is {@code KMS_UNAVAILABLE}, and
   * the broker holds exactly the {@value #STORM_LIMIT} records, none with {@code marker}.
   * {@code calm} ends the storm. Returns the failure (the {@code EnvelopeException}), for the
   * module's own assertions.
   */
  public static RuntimeException throttlingStorm(KafkaBroker broker, String topic,
      Map<String, Object> envelope, String marker, Runnable storm, Runnable calm)
      throws InterruptedException {
    broker.createTopic(topic, 1);
    Map<String, Object> env = new HashMap<>(envelope);
    env.put("envelope.dek.max.records", (long) STORM_LIMIT);
    env.put("envelope.kms.failure.backoff.ms", 60_000L);
    RuntimeException cause;
    try (KafkaProducer<String, String> p = producer(broker, env)) {
      try {
        p.send(new ProducerRecord<>(topic, "warm")).get();
      } catch (ExecutionException e) {
        throw new AssertionError("the first record failed before the storm", e);
      }
      storm.run();
      int sent = 1;
      Exception failure = null;
      try {
        for (int i = 0; i < STORM_LIMIT + 30 && failure == null; i++) {
          try {
            p.send(new ProducerRecord<>(topic, marker + i)).get();
            sent++;
          } catch (ExecutionException | RuntimeException e) {
            failure = e;
          }
        }
      } finally {
        calm.run();
      }
      assertEquals(STORM_LIMIT, sent, "the current data key serves until its limit");
      cause = assertInstanceOf(RuntimeException.class,
          failure instanceof ExecutionException ? failure.getCause() : failure);
      assertEquals("io.kafkaenvelope.serde.EnvelopeException", cause.getClass().getName(),
          String.valueOf(cause));
      assertEquals("KMS_UNAVAILABLE", reason(cause), cause.getMessage());
      assertFalse(cause.getMessage().contains(marker));
    }
    assertEquals(STORM_LIMIT, storedCiphertext(broker, topic, STORM_LIMIT, marker).size(),
        "nothing else reached the broker");
    return cause;
  }

  private static String reason(Throwable envelopeException) {
    try {
      return String.valueOf(envelopeException.getClass().getMethod("reason")
          .invoke(envelopeException));
    } catch (ReflectiveOperationException e) {
      throw new AssertionError("EnvelopeException.reason() could not be read", e);
    }
  }

  private static KafkaProducer<String, String> producer(KafkaBroker broker,
      Map<String, Object> envelope) {
    return EnvelopeFixtures.newProducer(broker, envelope, SERIALIZER);
  }

  private static List<ConsumerRecord<String, byte[]>> storedCiphertext(KafkaBroker broker,
      String topic, int n, String marker) {
    try (KafkaConsumer<String, byte[]> raw = EnvelopeFixtures.newConsumer(broker, Map.of(),
        ByteArrayDeserializer.class.getName())) {
      List<ConsumerRecord<String, byte[]>> stored = EnvelopeFixtures.drain(raw, topic, n);
      for (ConsumerRecord<String, byte[]> r : stored) {
        assertFalse(new String(r.value(), StandardCharsets.ISO_8859_1).contains(marker),
            "plaintext on the broker");
      }
      return stored;
    }
  }
}
