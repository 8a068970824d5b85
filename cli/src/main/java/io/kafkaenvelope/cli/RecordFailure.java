package io.kafkaenvelope.cli;

import io.kafkaenvelope.serde.EnvelopeException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * A record that could not be decrypted or authenticated: where it is and why. The reason is the
 * library's {@code EnvelopeException.Reason} (or the failing class for other errors); the message
 * names topic, KEK and DEK, never key material or record contents.
 */
record RecordFailure(int partition, long offset, String part, String reason, String kekId,
    String message) {

  static RecordFailure of(ConsumerRecord<?, ?> r, String part, RuntimeException e) {
    if (e instanceof EnvelopeException env) {
      return new RecordFailure(r.partition(), r.offset(), part, env.reason().name(), env.kekId(),
          env.getMessage());
    }
    return new RecordFailure(r.partition(), r.offset(), part, e.getClass().getSimpleName(), null,
        String.valueOf(e.getMessage()));
  }

  String line() {
    return "partition " + partition + " offset " + offset + " (" + part + "): " + reason + ": "
        + message;
  }

  Map<String, Object> json() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("partition", partition);
    m.put("offset", offset);
    m.put("part", part);
    m.put("reason", reason);
    m.put("kekId", kekId);
    m.put("message", message);
    return m;
  }
}
