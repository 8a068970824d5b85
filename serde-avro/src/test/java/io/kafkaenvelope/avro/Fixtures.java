package io.kafkaenvelope.avro;

import io.kafkaenvelope.testing.EnvelopeFixtures;
import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;

/** Schemas, records and client settings shared by the tests. */
final class Fixtures extends EnvelopeFixtures {

  /** Every test record carries this; it must never reach the broker or a log line. */
  static final String MARKER = "AVRO-PLAINTEXT-MARKER-5d1e";

  static final Schema V1 = schema("avro/order-v1.avsc");
  static final Schema V2 = schema("avro/order-v2.avsc");

  private Fixtures() {}

  static Schema schema(String resource) {
    try (InputStream in = Fixtures.class.getClassLoader().getResourceAsStream(resource)) {
      return new Schema.Parser().parse(in);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  static GenericRecord v1(String id, long cents) {
    GenericRecord r = new GenericData.Record(V1);
    r.put("id", id);
    r.put("amountCents", cents);
    r.put("note", MARKER + " note " + id);
    return r;
  }

  static GenericRecord v2(String id, long cents, String currency) {
    GenericRecord r = new GenericData.Record(V2);
    r.put("id", id);
    r.put("amountCents", cents);
    r.put("note", MARKER + " note " + id);
    r.put("currency", currency);
    return r;
  }

  /** Envelope settings against a fresh in-memory KMS. */
  static Map<String, Object> envelope() {
    return inMemoryEnvelope("avro");
  }
}
