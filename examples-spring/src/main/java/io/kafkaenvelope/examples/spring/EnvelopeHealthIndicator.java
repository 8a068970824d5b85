package io.kafkaenvelope.examples.spring;

import io.kafkaenvelope.kms.KeyManagementService;
import io.kafkaenvelope.serde.DecryptingDeserializer;
import io.kafkaenvelope.serde.EncryptingSerializer;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.kafka.core.ConsumerFactory;
import org.springframework.kafka.core.ProducerFactory;
import org.springframework.stereotype.Component;

/**
 * Kafka Envelope's readiness as a Spring Boot {@link HealthIndicator} ({@code /actuator/health},
 * component {@code envelope}): {@code health()} of a serializer and a deserializer configured
 * with exactly the properties the application's producer and consumer get. The serdes Kafka
 * creates from class names are out of the application's reach, so these two are its own: they
 * ask the same KMS about the same KEKs, at most once per {@code envelope.kms.health.interval.ms}
 * each, however often the endpoint is polled. Creating them runs the start-up check
 * ({@code envelope.kms.check.on.configure}): a missing KEK stops the application here.
 */
@Component("envelope")
public class EnvelopeHealthIndicator implements HealthIndicator, DisposableBean {

  private final EncryptingSerializer<byte[]> serializer =
      new EncryptingSerializer<>(new ByteArraySerializer());
  private final DecryptingDeserializer<byte[]> deserializer =
      new DecryptingDeserializer<>(new ByteArrayDeserializer());

  public EnvelopeHealthIndicator(ProducerFactory<?, ?> producers, ConsumerFactory<?, ?> consumers) {
    serializer.configure(new HashMap<>(producers.getConfigurationProperties()), false);
    try {
      deserializer.configure(new HashMap<>(consumers.getConfigurationProperties()), false);
    } catch (RuntimeException e) {
      serializer.close();
      throw e;
    }
  }

  @Override
  public Health health() {
    KeyManagementService.Health s = serializer.health();
    KeyManagementService.Health d = deserializer.health();
    Health.Builder b = s.up() && d.up() ? Health.up() : Health.down();
    return b.withDetails(Map.of("serializer", s.reason(), "deserializer", d.reason(),
        "checkedAt", (s.checkedAt().isAfter(d.checkedAt()) ? s : d).checkedAt().toString()))
        .build();
  }

  @Override
  public void destroy() {
    try {
      serializer.close();
    } finally {
      deserializer.close();
    }
  }
}
