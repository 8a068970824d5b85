/**
 * A Spring Boot application (spring-kafka) that encrypts and decrypts its records with Kafka
 * Envelope configured only by properties ({@code application.properties}): the serializer through
 * {@code spring.kafka.producer.value-serializer}, the deserializer wrapped in spring-kafka's
 * {@code ErrorHandlingDeserializer} so an undecryptable record goes to the error handler once
 * instead of failing every poll, and a KEK template in the bare spelling ({@code {topic}}) that
 * Spring's placeholder resolution leaves alone. See docs/spring-boot.md.
 */
package io.kafkaenvelope.examples.spring;
