package io.kafkaenvelope.json;

import io.kafkaenvelope.testing.EnvelopeFixtures;
import java.util.Map;

/** Records and client settings shared by the tests. */
final class Fixtures extends EnvelopeFixtures {

  /** Every test record carries this; it must never reach the broker or a log line. */
  static final String MARKER = "JSON-PLAINTEXT-MARKER-8b2c";

  private Fixtures() {}

  static OrderV1 v1(String id, long cents) {
    return new OrderV1(id, cents, MARKER + " note " + id);
  }

  /** Envelope settings against a fresh in-memory KMS. */
  static Map<String, Object> envelope() {
    return inMemoryEnvelope("json");
  }
}
