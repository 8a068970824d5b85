package io.kafkaenvelope.examples.spring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkaenvelope.serde.EncryptingSerializer;
import io.kafkaenvelope.serde.EnvelopeException;
import io.kafkaenvelope.testing.CapturingAppender;
import io.kafkaenvelope.testing.EnvelopeFixtures;
import io.kafkaenvelope.testing.KafkaExtension;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;
import org.springframework.kafka.config.KafkaListenerEndpointRegistry;
import org.springframework.kafka.core.ConsumerFactory;
import org.springframework.kafka.core.DefaultKafkaProducerFactory;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.core.ProducerFactory;
import org.springframework.test.context.ContextConfiguration;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Issue 17: the Spring Boot application of this module, configured only by its
 * {@code application.properties}, against the real broker (test-support's, in a child JVM: this
 * module's classpath has Spring Boot's Kafka release). An environment that defines {@code TOPIC}
 * and {@code KEYSET_DIR} is simulated with a {@link SystemEnvironmentPropertySource}, the kind
 * Spring uses for the real one.
 */
@SpringBootTest(classes = OrdersApplication.class)
@ContextConfiguration(initializers = OrdersApplicationTest.FakeEnvironment.class)
class OrdersApplicationTest {

  @RegisterExtension static final KafkaExtension KAFKA = new KafkaExtension();

  private static final String TOPIC = EnvelopeFixtures.unique("orders");
  private static final String MARKER = "PLAINTEXT-MARKER-5pr1ng";
  private static final Path KEYSETS = tempDir();

  /** What {@code TOPIC=clobbered KEYSET_DIR=... java -jar app.jar} puts in the environment. */
  static final class FakeEnvironment
      implements ApplicationContextInitializer<ConfigurableApplicationContext> {
    @Override
    public void initialize(ConfigurableApplicationContext context) {
      ConfigurableEnvironment env = context.getEnvironment();
      env.getPropertySources().addAfter(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
          new SystemEnvironmentPropertySource("fake-environment",
              Map.of("TOPIC", "clobbered", "KEYSET_DIR", KEYSETS.toString())));
    }
  }

  @DynamicPropertySource
  static void broker(DynamicPropertyRegistry registry) {
    registry.add("spring.kafka.bootstrap-servers", () -> KAFKA.broker().bootstrapServers());
    registry.add("orders.topic", () -> TOPIC);
  }

  @BeforeAll
  static void createTopic() {
    KAFKA.broker().createTopic(TOPIC, 1);
  }

  @Autowired ConfigurableEnvironment env;
  @Autowired KafkaTemplate<String, String> template;
  @Autowired ProducerFactory<String, String> producerFactory;
  @Autowired ConsumerFactory<?, ?> consumerFactory;
  @Autowired OrderListener listener;
  @Autowired RefusedRecords refused;
  @Autowired KafkaListenerEndpointRegistry listeners;

  /** Through Spring's placeholder resolution and SpEL, as any {@code @Value} is. */
  @Value("orders-kek-{topic}-{header:tenant} #{'{topic}'}")
  String bareThroughValue;

  @AfterEach
  void stopClients() {
    listeners.stop(); // while the broker still runs: the consumer leaves its group at once
    ((DefaultKafkaProducerFactory<?, ?>) producerFactory).reset();
  }

  @Test
  void theBareTemplateSurvivesSpringAndNamesTheTopicsKek() {
    // the hazard is real in this environment: Spring resolves ${topic} from TOPIC
    assertEquals("orders-kek-clobbered", env.resolvePlaceholders("orders-kek-${topic}"));
    // the bare spelling reaches Kafka as written, through property binding, @Value and SpEL
    assertEquals("orders-kek-{topic}",
        producerFactory.getConfigurationProperties().get("envelope.kek.id.template"));
    assertEquals("orders-kek-{topic}",
        consumerFactory.getConfigurationProperties().get("envelope.kek.id.template"));
    assertEquals("orders-kek-{topic}-{header:tenant} {topic}", bareThroughValue);
    // the escaped dollar spelling reaches Kafka unresolved
    assertEquals("legacy-kek-${topic}",
        consumerFactory.getConfigurationProperties().get("envelope.kek.allowed.ids"));
    // Kafka's config-provider syntax is a Spring placeholder too: "env" with the default
    // "KEYSET_DIR", so unescaped it reaches Kafka as that literal; escaped it passes through
    assertEquals("KEYSET_DIR", env.resolvePlaceholders("${env:KEYSET_DIR}"));
    assertEquals("${env:KEYSET_DIR}", env.resolvePlaceholders("\\${env:KEYSET_DIR}"));
    // ${KEYSET_DIR}, a Spring placeholder, was resolved by Spring from the environment
    assertEquals(KEYSETS.toString(),
        producerFactory.getConfigurationProperties().get("envelope.kms.local.keyset.dir"));
  }

  @Test
  void goodRecordsReachTheListenerAndAPoisonRecordTheErrorHandlerOnce() throws Exception {
    int linesBefore = CapturingAppender.events().size(); // other tests' lines are theirs
    template.send(TOPIC, "k1", MARKER + "-1").get();
    // a record made by the application's own serializer settings, one ciphertext byte flipped
    // on the way (written raw): it cannot be decrypted
    RecordHeaders headers = new RecordHeaders();
    byte[] value;
    try (EncryptingSerializer<String> s = new EncryptingSerializer<>(new StringSerializer())) {
      s.configure(producerFactory.getConfigurationProperties(), false);
      value = s.serialize(TOPIC, headers, MARKER + "-2");
    }
    value[value.length - 1] ^= 1;
    ProducerRecord<byte[], byte[]> poison = new ProducerRecord<>(TOPIC, null,
        "k2".getBytes(StandardCharsets.UTF_8), value, headers);
    EnvelopeFixtures.sendRaw(KAFKA.broker(), List.of(poison));
    template.send(TOPIC, "k3", MARKER + "-3").get();

    await(() -> listener.received().size() >= 2, "the two good records");
    assertEquals(List.of(MARKER + "-1", MARKER + "-3"), listener.received());
    assertEquals(1, refused.refused().size(), refused.refused().toString());
    RefusedRecords.Refusal r = refused.refused().get(0);
    assertEquals(TOPIC, r.topic());
    assertEquals(1L, r.offset());
    assertEquals(EnvelopeException.Reason.TAMPERED, r.reason());

    // the container went on: one more record arrives and the poison one is not retried
    template.send(TOPIC, "k4", MARKER + "-4").get();
    await(() -> listener.received().size() >= 3, "the record after the poison one");
    assertEquals(1, refused.refused().size());

    // each record under the KEK its topic names, never the one ${topic} would have made
    assertTrue(Files.exists(KEYSETS.resolve("orders-kek-" + TOPIC + ".json")));
    assertFalse(Files.exists(KEYSETS.resolve("orders-kek-clobbered.json")));

    // no log flood: the poison record is reported by one line, and no line holds plaintext
    List<String> all = CapturingAppender.events();
    List<String> events = all.subList(linesBefore, all.size());
    long aboutPoison = events.stream()
        .filter(e -> e.contains(TOPIC + "-0@1") || e.contains("TAMPERED")).count();
    assertEquals(1, aboutPoison, String.join("\n", events.stream()
        .filter(e -> e.contains("TAMPERED")).toList()));
    assertTrue(events.size() < 400, "log lines: " + events.size());
    assertFalse(events.stream().anyMatch(e -> e.contains(MARKER)));
  }

  private static void await(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within 30 s: " + what);
      }
      Thread.sleep(20);
    }
  }

  private static Path tempDir() {
    try {
      return Files.createTempDirectory("kafka-envelope-spring-keysets");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
