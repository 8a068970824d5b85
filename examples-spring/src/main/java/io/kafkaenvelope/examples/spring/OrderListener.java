package io.kafkaenvelope.examples.spring;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.stereotype.Component;

/** Receives the decrypted orders (the value is the inner deserializer's, a String here). */
@Component
public class OrderListener {

  private final List<String> received = new CopyOnWriteArrayList<>();

  @KafkaListener(topics = "${orders.topic}")
  public void onOrder(String order) {
    received.add(order); // never logged: it is the plaintext
  }

  /** The orders received so far, in order. */
  public List<String> received() {
    return List.copyOf(received);
  }
}
