package io.kafkaenvelope.avro;

import static io.kafkaenvelope.avro.Fixtures.MARKER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.kafkaenvelope.config.EnvelopeConfig;
import io.kafkaenvelope.serde.EnvelopeException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.utility.DockerImageName;

/**
 * The same Apicurio serdes against the real Apicurio Registry (in-memory image) where a Docker
 * engine exists; skipped cleanly where none does (as on the CI machines, where the loopback fake
 * in {@link RegistrySerdeTest} stands in).
 */
@Testcontainers(disabledWithoutDocker = true)
class ApicurioRegistryContainerTest {

  @Container
  static final GenericContainer<?> REGISTRY =
      new GenericContainer<>(DockerImageName.parse("apicurio/apicurio-registry-mem:2.6.13.Final"))
          .withExposedPorts(8080)
          .waitingFor(Wait.forHttp("/health/ready").forStatusCode(200));

  @Test
  void clearSchemaIdResolvesInTheRealRegistryAndTamperingIsRefused() throws Exception {
    String base = "http://" + REGISTRY.getHost() + ":" + REGISTRY.getMappedPort(8080)
        + "/apis/registry/v2";
    Map<String, Object> settings = new HashMap<>(Fixtures.envelope());
    settings.put(EnvelopeConfig.INNER_SERIALIZER,
        "io.apicurio.registry.serde.avro.AvroKafkaSerializer");
    settings.put(EnvelopeConfig.INNER_DESERIALIZER,
        "io.apicurio.registry.serde.avro.AvroKafkaDeserializer");
    settings.put("apicurio.registry.url", base);
    settings.put("apicurio.registry.auto-register", "true");
    settings.put("apicurio.registry.headers.enabled", "false");
    settings.put(EnvelopeConfig.CLEAR_PREFIX, "schema-id-8");
    try (EncryptingAvroSerializer<GenericRecord> s = new EncryptingAvroSerializer<>();
        DecryptingAvroDeserializer<GenericRecord> d = new DecryptingAvroDeserializer<>()) {
      s.configure(settings, false);
      d.configure(settings, false);
      RecordHeaders headers = new RecordHeaders();
      byte[] wire = s.serialize("orders", headers, Fixtures.v1("c-1", 5));
      assertFalse(Fixtures.contains(wire, MARKER));
      assertEquals(0, wire[0]);
      long globalId = ByteBuffer.wrap(wire, 1, 8).getLong();
      String schema = HttpClient.newHttpClient().send(
          HttpRequest.newBuilder(URI.create(base + "/ids/globalIds/" + globalId)).build(),
          HttpResponse.BodyHandlers.ofString()).body();
      assertEquals(Fixtures.V1, new Schema.Parser().parse(schema));
      assertEquals("c-1", d.deserialize("orders", headers, wire).get("id").toString());
      byte[] forged = wire.clone();
      forged[8] ^= 1;
      assertEquals(EnvelopeException.Reason.TAMPERED, assertThrows(EnvelopeException.class,
          () -> d.deserialize("orders", headers, forged)).reason());
    }
  }
}
