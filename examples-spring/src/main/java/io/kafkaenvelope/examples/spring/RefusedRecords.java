package io.kafkaenvelope.examples.spring;

import io.kafkaenvelope.serde.EnvelopeException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.listener.ConsumerRecordRecoverer;
import org.springframework.stereotype.Component;

/**
 * The error handler's recoverer: one WARN line per record that could not be decrypted, naming
 * where it is and Kafka Envelope's typed reason ({@link EnvelopeException.Reason}), never its
 * bytes. A real application would send it to a dead-letter topic here
 * ({@code DeadLetterPublishingRecoverer}); the record stays encrypted there.
 */
@Component
public class RefusedRecords implements ConsumerRecordRecoverer {

  private static final Logger LOG = LoggerFactory.getLogger(RefusedRecords.class);

  /** Where a refused record is and why. */
  public record Refusal(String topic, int partition, long offset,
      EnvelopeException.Reason reason) {}

  private final List<Refusal> refused = new CopyOnWriteArrayList<>();

  @Override
  public void accept(ConsumerRecord<?, ?> record, Exception e) {
    EnvelopeException.Reason reason = reasonOf(e);
    refused.add(new Refusal(record.topic(), record.partition(), record.offset(), reason));
    LOG.warn("Skipped record {}-{}@{}: not decryptable ({})", record.topic(), record.partition(),
        record.offset(), reason);
  }

  /** Kafka Envelope's reason in {@code e}'s causes, or {@code null} if it was not ours. */
  static EnvelopeException.Reason reasonOf(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof EnvelopeException ee) {
        return ee.reason();
      }
    }
    return null;
  }

  /** The records refused so far. */
  public List<Refusal> refused() {
    return List.copyOf(refused);
  }
}
