package io.kafkaenvelope.examples.spring;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.kafka.listener.CommonErrorHandler;
import org.springframework.kafka.listener.DefaultErrorHandler;
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
   * refused arrives here as a {@code DeserializationException} (which DefaultErrorHandler never
   * retries: the bytes will not change), is passed to {@link RefusedRecords} once, and its offset
   * is committed, so the listener goes on with the next record. Without
   * {@code ErrorHandlingDeserializer} the consumer's poll itself would fail on that record again
   * and again.
   */
  @Bean
  CommonErrorHandler errorHandler(RefusedRecords refused) {
    return new DefaultErrorHandler(refused, new FixedBackOff(0L, 0L));
  }
}
