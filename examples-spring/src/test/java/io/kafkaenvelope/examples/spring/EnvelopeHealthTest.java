package io.kafkaenvelope.examples.spring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkaenvelope.kms.local.LocalKms;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthContributorRegistry;
import org.springframework.boot.actuate.health.Status;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Issue 17: the application's {@link EnvelopeHealthIndicator} answers readiness from the serdes'
 * {@code health()}, and a missing KEK stops the application at start-up
 * ({@code envelope.kms.check.on.configure}). No broker is needed: the listener does not start and
 * the KMS (local keysets) is all the check talks to.
 */
@SpringBootTest(classes = OrdersApplication.class, properties = {
    "spring.kafka.listener.auto-startup=false",
    "spring.kafka.properties.envelope.kms.local.create.missing=false",
    "spring.kafka.properties.envelope.kms.health.interval.ms=0",
    "spring.kafka.consumer.properties.envelope.kek.allowed.ids=orders-kek-orders"})
class EnvelopeHealthTest {

  private static final Path KEYSETS = keysets();

  private static Path keysets() {
    try {
      Path dir = Files.createTempDirectory("spring-health-keysets");
      LocalKms.create(dir, "orders-kek-orders");
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @DynamicPropertySource
  static void keysetDir(DynamicPropertyRegistry registry) {
    registry.add("KEYSET_DIR", KEYSETS::toString);
  }

  @Autowired EnvelopeHealthIndicator indicator;
  @Autowired HealthContributorRegistry registry;

  @Test
  void readinessFollowsTheKek() {
    assertEquals(indicator, registry.getContributor("envelope"),
        "Spring Boot's health contributor");
    Health up = indicator.health();
    assertEquals(Status.UP, up.getStatus(), up.toString());
    assertTrue(up.getDetails().get("deserializer").toString().contains("orders-kek-orders"),
        up.toString());
    LocalKms.disable(KEYSETS, "orders-kek-orders");
    try {
      Health down = indicator.health();
      assertEquals(Status.DOWN, down.getStatus());
      assertTrue(down.getDetails().get("deserializer").toString().contains("KEY_DISABLED"),
          down.toString());
    } finally {
      LocalKms.enable(KEYSETS, "orders-kek-orders");
    }
    assertEquals(Status.UP, indicator.health().getStatus());
  }

  @Test
  void aMissingKekStopsTheApplicationAtStartUp() {
    RuntimeException e = assertThrows(RuntimeException.class,
        () -> new SpringApplicationBuilder(OrdersApplication.class)
            .web(WebApplicationType.NONE)
            // command-line arguments: they override application.properties, as on a real start
            .run("--spring.kafka.listener.auto-startup=false",
                "--KEYSET_DIR=" + KEYSETS,
                "--spring.kafka.properties.envelope.kms.local.create.missing=false",
                "--spring.kafka.consumer.properties.envelope.kek.allowed.ids=no-such-kek")
            .close());
    Throwable root = e;
    while (root.getCause() != null && !(root instanceof ConfigException)) {
      root = root.getCause();
    }
    assertTrue(root instanceof ConfigException, String.valueOf(e));
    assertTrue(root.getMessage().contains("envelope.kek.allowed.ids")
        && root.getMessage().contains("no-such-kek")
        && root.getMessage().contains("KEY_NOT_FOUND"), root.getMessage());
  }
}
