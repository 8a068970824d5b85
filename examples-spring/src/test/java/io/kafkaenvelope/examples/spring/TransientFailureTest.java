package io.kafkaenvelope.examples.spring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkaenvelope.kms.KmsException;
import io.kafkaenvelope.kms.memory.InMemoryKms;
import io.kafkaenvelope.serde.DecryptingDeserializer;
import io.kafkaenvelope.serde.EncryptingSerializer;
import io.kafkaenvelope.serde.EnvelopeException;
import io.kafkaenvelope.testing.EnvelopeFixtures;
import java.util.Map;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.springframework.kafka.support.serializer.DeserializationException;

/**
 * The application's error handler retries a record only when Kafka Envelope refused it for a
 * reason that goes away by itself; real refusals from the deserializer (the in-memory KMS with
 * injected failures), wrapped the way spring-kafka hands them over.
 */
class TransientFailureTest {

  @Test
  void onlyKmsUnavailabilityIsRetriedNotTamperingNorAMissingKey() {
    Map<String, Object> settings = EnvelopeFixtures.inMemoryEnvelope("transient");
    InMemoryKms kms = InMemoryKms.named((String) settings.get("envelope.kms.memory.name"));
    RecordHeaders headers = new RecordHeaders();
    byte[] value;
    try (EncryptingSerializer<String> s = new EncryptingSerializer<>(new StringSerializer())) {
      s.configure(settings, false);
      value = s.serialize("orders", headers, "order-1");
    }
    for (KmsException.Reason kmsReason : KmsException.Reason.values()) {
      kms.failUnwrapWith(kmsReason);
      try (DecryptingDeserializer<String> d =
          new DecryptingDeserializer<>(new StringDeserializer())) {
        d.configure(settings, false);
        EnvelopeException e = assertThrows(EnvelopeException.class,
            () -> d.deserialize("orders", headers, value), kmsReason.name());
        DeserializationException wrapped =
            new DeserializationException("failed", value, false, e);
        assertEquals(kmsReason.retryable(), OrdersApplication.transientFailure(wrapped),
            kmsReason + " -> " + e.reason());
      }
    }
    kms.heal();
    byte[] tampered = value.clone();
    tampered[tampered.length - 1] ^= 1;
    try (DecryptingDeserializer<String> d =
        new DecryptingDeserializer<>(new StringDeserializer())) {
      d.configure(settings, false);
      assertEquals("order-1", d.deserialize("orders", headers, value));
      EnvelopeException e = assertThrows(EnvelopeException.class,
          () -> d.deserialize("orders", headers, tampered));
      assertEquals(EnvelopeException.Reason.TAMPERED, e.reason());
      assertFalse(OrdersApplication.transientFailure(e));
    }
    assertFalse(OrdersApplication.transientFailure(new IllegalStateException("not ours")));
    assertTrue(OrdersApplication.transientFailure(new RuntimeException(new RuntimeException(
        new DeserializationException("x", value, false, kmsUnavailable(settings, kms, headers,
            value))))));
  }

  private static EnvelopeException kmsUnavailable(Map<String, Object> settings, InMemoryKms kms,
      RecordHeaders headers, byte[] value) {
    kms.failUnwrapWith(KmsException.Reason.UNAVAILABLE);
    try (DecryptingDeserializer<String> d =
        new DecryptingDeserializer<>(new StringDeserializer())) {
      d.configure(settings, false);
      return assertThrows(EnvelopeException.class, () -> d.deserialize("orders", headers, value));
    } finally {
      kms.heal();
    }
  }
}
