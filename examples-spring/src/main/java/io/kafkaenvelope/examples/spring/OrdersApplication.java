package io.kafkaenvelope.examples.spring;

import io.kafkaenvelope.serde.EnvelopeException;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.kafka.listener.CommonErrorHandler;
import org.springframework.kafka.listener.DefaultErrorHandler;
import org.springframework.kafka.support.serializer.DeserializationException;
import org.springframework.util.backoff.BackOff;
import org.springframework.util.backoff.FixedBackOff;

/**
 * The application: {@link OrderListener} reads the orders topic, {@link RefusedRecords} receives
 * the records that could not be decrypted. Every Kafka and Kafka Envelope setting is in
 * {@code application.properties}.
 */
@SpringBootApplication
public class OrdersApplication {

  public static void main(String[] args) {
    SpringApplication.run(OrdersApplication.class, args);
  }

  /**
   * Spring Boot hands this error handler to the listener container. A record the deserializer
   * refused arrives here as a {@code DeserializationException}; by default DefaultErrorHandler
   * never retries those (the bytes will not change). That is right for a tampered or foreign
   * record, which goes to {@link RefusedRecords} once, its offset committed, and the listener
   * goes on. It is wrong when the KMS was merely unavailable or our unwrap budget said "not now"
   * ({@link #transientFailure}): the same record decrypts later, so it is retried with a back-off
   * instead of skipped. (Without {@code ErrorHandlingDeserializer} the consumer's poll itself would
   * fail on the record again and again.)
   */
  @Bean
  CommonErrorHandler errorHandler(RefusedRecords refused) {
    DefaultErrorHandler handler = new DefaultErrorHandler(refused, new FixedBackOff(0L, 0L));
    handler.removeClassification(DeserializationException.class); // retried per the back-off
    handler.setBackOffFunction((record, e) -> transientFailure(e) ? KMS_BACK_OFF : null);
    return handler;
  }

  /** Retries of a record whose key the KMS could not unwrap yet: every 2 s, for 5 minutes. */
  static final BackOff KMS_BACK_OFF = new FixedBackOff(2_000L, 150L);

  /**
   * Whether {@code e} is Kafka Envelope's refusal for a reason that may go away by itself: the KMS
   * unreachable or throttling ({@code KMS_UNAVAILABLE}), or not asked because of the unwrap rate
   * limit or a recent failure ({@code UNWRAP_LIMITED}): the KMS reasons whose
   * {@code KmsException.Reason.retryable()} is true.
   */
  static boolean transientFailure(Throwable e) {
    EnvelopeException.Reason reason = RefusedRecords.reasonOf(e);
    return reason == EnvelopeException.Reason.KMS_UNAVAILABLE
        || reason == EnvelopeException.Reason.UNWRAP_LIMITED;
  }
}
