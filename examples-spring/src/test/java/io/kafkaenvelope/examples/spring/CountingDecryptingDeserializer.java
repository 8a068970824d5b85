package io.kafkaenvelope.examples.spring;

import io.kafkaenvelope.serde.DecryptingDeserializer;
import io.kafkaenvelope.serde.EnvelopeException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.header.Headers;

/**
 * The decrypting deserializer, counting its refusals: how often the consumer asked it to
 * deserialize a record it refuses ({@link PoisonLoopTest}). Configured by class name, as
 * {@code spring.kafka.consumer.value-deserializer}.
 */
public class CountingDecryptingDeserializer extends DecryptingDeserializer<Object> {

  /** Refusals since the last {@link #reset}. */
  static final AtomicInteger REFUSALS = new AtomicInteger();
  /** Counted down by each refusal. */
  static volatile CountDownLatch refused = new CountDownLatch(0);

  static void reset(int awaited) {
    REFUSALS.set(0);
    refused = new CountDownLatch(awaited);
  }

  @Override
  public Object deserialize(String topic, Headers headers, byte[] data) {
    try {
      return super.deserialize(topic, headers, data);
    } catch (EnvelopeException e) {
      REFUSALS.incrementAndGet();
      refused.countDown();
      throw e;
    }
  }
}
