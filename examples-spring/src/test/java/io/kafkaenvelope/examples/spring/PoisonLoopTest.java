package io.kafkaenvelope.examples.spring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkaenvelope.serde.EncryptingSerializer;
import io.kafkaenvelope.testing.CapturingAppender;
import io.kafkaenvelope.testing.EnvelopeFixtures;
import io.kafkaenvelope.testing.KafkaExtension;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.kafka.config.KafkaListenerEndpointRegistry;
import org.springframework.kafka.core.DefaultKafkaProducerFactory;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.core.ProducerFactory;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Issue 17, the log flood: the same application with the decrypting deserializer as the
 * consumer's value deserializer directly, without spring-kafka's {@code ErrorHandlingDeserializer}.
 * One record that cannot be decrypted then fails every poll: the consumer's {@code poll()}
 * throws, the container logs it and polls again from the same offset, forever, and the records
 * behind it never arrive. Counted, not timed: the test waits (at most 60 s) until the poison
 * record has been refused {@link #LOOPS} times. {@code OrdersApplicationTest} is the other half:
 * with {@code ErrorHandlingDeserializer} and {@code RefusedRecords} the same record is handled
 * once, by one log line.
 */
@SpringBootTest(classes = OrdersApplication.class, properties = {
    "spring.kafka.consumer.value-deserializer="
        + "io.kafkaenvelope.examples.spring.CountingDecryptingDeserializer",
    "spring.kafka.consumer.group-id=poison-loop",
    "spring.kafka.listener.auto-startup=false"})
class PoisonLoopTest {

  @RegisterExtension static final KafkaExtension KAFKA = new KafkaExtension();

  static final int LOOPS = 100;
  private static final String TOPIC = EnvelopeFixtures.unique("orders-loop");
  private static final String MARKER = "PLAINTEXT-MARKER-l00p";
  private static final Path KEYSETS = tempDir();

  @DynamicPropertySource
  static void broker(DynamicPropertyRegistry registry) {
    KAFKA.broker().createTopic(TOPIC, 1);
    registry.add("spring.kafka.bootstrap-servers", () -> KAFKA.broker().bootstrapServers());
    registry.add("orders.topic", () -> TOPIC);
    registry.add("KEYSET_DIR", KEYSETS::toString);
  }

  @Autowired KafkaTemplate<String, String> template;
  @Autowired ProducerFactory<String, String> producerFactory;
  @Autowired OrderListener listener;
  @Autowired RefusedRecords refused;
  @Autowired KafkaListenerEndpointRegistry listeners;

  @AfterEach
  void stopClients() {
    listeners.stop();
    ((DefaultKafkaProducerFactory<?, ?>) producerFactory).reset();
  }

  @Test
  void withoutErrorHandlingDeserializerOnePoisonRecordIsRefusedOverAndOverAndBlocksThePartition()
      throws Exception {
    CountingDecryptingDeserializer.reset(LOOPS);
    RecordHeaders headers = new RecordHeaders();
    byte[] value;
    try (EncryptingSerializer<String> s = new EncryptingSerializer<>(new StringSerializer())) {
      s.configure(producerFactory.getConfigurationProperties(), false);
      value = s.serialize(TOPIC, headers, MARKER + "-poison");
    }
    value[value.length - 1] ^= 1;
    EnvelopeFixtures.sendRaw(KAFKA.broker(), List.of(new ProducerRecord<>(TOPIC, null,
        "k1".getBytes(StandardCharsets.UTF_8), value, headers)));
    template.send(TOPIC, "k2", MARKER + "-after").get();
    int linesBefore = CapturingAppender.events().size();
    long start = System.nanoTime();
    listeners.getListenerContainers().forEach(c -> c.start());
    try {
      assertTrue(CountingDecryptingDeserializer.refused.await(60, TimeUnit.SECONDS),
          "refused " + CountingDecryptingDeserializer.REFUSALS.get() + " times in 60 s");
    } finally {
      listeners.stop();
    }
    long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    int refusals = CountingDecryptingDeserializer.REFUSALS.get();
    List<String> lines = CapturingAppender.events();
    List<String> flood = lines.subList(linesBefore, lines.size());
    long errorLines = flood.stream().filter(l -> l.contains("TAMPERED")
        || l.contains("Consumer exception")).count();
    System.out.printf("poison loop: %d refusals, %d log events about it, %d ms%n", refusals,
        errorLines, ms);
    assertTrue(refusals >= LOOPS);
    assertTrue(errorLines >= LOOPS / 2, "a log line per failed poll: " + errorLines);
    assertEquals(List.of(), listener.received(), "the record behind the poison never arrived");
    assertEquals(List.of(), refused.refused(), "the error handler never saw a record");
    assertFalse(flood.stream().anyMatch(l -> l.contains(MARKER)), "no plaintext logged");
  }

  private static Path tempDir() {
    try {
      return Files.createTempDirectory("kafka-envelope-spring-loop");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
