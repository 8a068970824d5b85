package io.kafkaenvelope.serde;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkaenvelope.kms.memory.InMemoryKms;
import io.kafkaenvelope.testing.Pair;
import io.kafkaenvelope.testing.TestConfigs;
import io.kafkaenvelope.internal.wire.EnvelopeHeader;
import io.kafkaenvelope.internal.wire.Role;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

class ConcurrencyTest {

  private static final int THREADS = 16;

  private record Sent(Headers headers, byte[] wire, String value) {}

  @Test
  void sixteenProducerThreadsOneKmsCallPerDekAndEveryRecordDecrypts() throws Exception {
    String kmsName = TestConfigs.newKmsName();
    Map<String, Object> configs = TestConfigs.base(kmsName);
    configs.put("envelope.dek.max.records", 1000L);
    InMemoryKms.named(kmsName).stall(Duration.ofMillis(20)); // widen every race window
    ConcurrentLinkedQueue<Sent> sent = new ConcurrentLinkedQueue<>();
    try (Pair p = new Pair(configs, false)) {
      runConcurrently(t -> {
        for (int i = 0; i < 1000; i++) {
          RecordHeaders h = new RecordHeaders();
          String v = "t" + t + "-" + i;
          sent.add(new Sent(h, p.serializer.serialize("t", h, v), v));
        }
      });
      assertEquals(THREADS * 1000, sent.size());
      Set<String> deks = new HashSet<>();
      Set<String> nonces = new HashSet<>();
      for (Sent s : sent) {
        deks.add(EnvelopeHeader.parse(s.headers.lastHeader(Role.VALUE.headerName()).value())
            .dekIdHex());
        nonces.add(java.util.HexFormat.of().formatHex(s.wire, 0, 12));
        assertEquals(s.value, p.deserializer.deserialize("t", s.headers, s.wire));
      }
      assertEquals(16, deks.size(), "16,000 records at 1,000 per DEK");
      assertEquals(THREADS * 1000, nonces.size(), "no nonce repeats");
      // the last DEK may already have asked for its successor in the background
      int calls = InMemoryKms.named(kmsName).generateCalls();
      assertTrue(calls == deks.size() || calls == deks.size() + 1,
          "exactly one KMS call per DEK, got " + calls + " for " + deks.size());
    } finally {
      InMemoryKms.named(kmsName).heal();
    }
  }

  @Test
  void sixteenConsumerThreadsMeetingANewDekMakeOneUnwrap() throws Exception {
    String kmsName = TestConfigs.newKmsName();
    Map<String, Object> configs = TestConfigs.base(kmsName);
    List<Sent> sent = new ArrayList<>();
    try (Pair producer = new Pair(configs, false)) {
      for (int i = 0; i < 100; i++) {
        RecordHeaders h = new RecordHeaders();
        sent.add(new Sent(h, producer.serializer.serialize("t", h, "v" + i), "v" + i));
      }
    }
    InMemoryKms kms = InMemoryKms.named(kmsName);
    kms.stall(Duration.ofMillis(200));
    // sixteen independent deserializers, as sixteen consumers in one process would have
    List<Pair> consumers = new ArrayList<>();
    for (int i = 0; i < THREADS; i++) {
      consumers.add(new Pair(configs, false));
    }
    try {
      CountDownLatch start = new CountDownLatch(1);
      runConcurrently(t -> {
        start.countDown();
        for (Sent s : sent) {
          assertEquals(s.value, consumers.get(t).deserializer.deserialize("t", s.headers, s.wire));
        }
      });
      assertEquals(1, kms.unwrapCalls(), "one unwrap for one DEK across 16 consumers");
    } finally {
      kms.heal();
      consumers.forEach(Pair::close);
    }
  }

  interface Body {
    void run(int thread) throws Exception;
  }

  static void runConcurrently(Body body) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(THREADS);
    CountDownLatch ready = new CountDownLatch(THREADS);
    CountDownLatch go = new CountDownLatch(1);
    List<Future<?>> futures = new ArrayList<>();
    for (int t = 0; t < THREADS; t++) {
      int id = t;
      futures.add(pool.submit(() -> {
        ready.countDown();
        go.await();
        body.run(id);
        return null;
      }));
    }
    ready.await();
    go.countDown();
    try {
      for (Future<?> f : futures) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
