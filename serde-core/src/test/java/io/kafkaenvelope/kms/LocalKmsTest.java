package io.kafkaenvelope.kms;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkaenvelope.kms.local.LocalKms;
import io.kafkaenvelope.serde.DecryptingDeserializer;
import io.kafkaenvelope.serde.EncryptingSerializer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalKmsTest {

  @TempDir Path dir;

  @Test
  void createsOnFirstUseWhenAskedAndRoundTrips() {
    LocalKms kms = new LocalKms(dir, true);
    EncryptionContext ctx = EncryptionContext.forDek("orders");
    DataKey k = kms.generateDataKey("orders", ctx);
    assertTrue(Files.exists(dir.resolve("orders.json")));
    assertArrayEquals(k.plaintext(), kms.unwrap("orders", k.wrapped(), ctx));
    // a second client reading the same directory unwraps too
    assertArrayEquals(k.plaintext(), new LocalKms(dir, false).unwrap("orders", k.wrapped(), ctx));
    assertFalse(k.toString().contains(java.util.HexFormat.of().formatHex(k.plaintext())));
  }

  /**
   * Issue 12, defect 1: producers that meet a new KEK at the same moment each created a keyset and
   * renamed it into place; rename(2) replaced the winner's file, and the loser kept wrapping DEKs
   * under a keyset that existed nowhere (2,000 two-thread races: both renames succeeded 577
   * times). Every DEK made in any thread must unwrap with the keyset left on disk.
   */
  @Test
  void producersRacingToCreateAKekAllUseTheKeysetOnDisk() throws Exception {
    int threads = 12;
    ExecutorService pool = Executors.newFixedThreadPool(
        threads);
    try {
      for (int round = 0; round < 25; round++) {
        String kek = "race-" + round;
        CyclicBarrier start = new CyclicBarrier(threads);
        List<Future<DataKey>> made = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
          made.add(pool.submit(() -> {
            LocalKms own = new LocalKms(dir, true); // one client per producer, as in a real JVM
            start.await();
            return own.generateDataKey(kek, EncryptionContext.forDek(kek));
          }));
        }
        LocalKms reader = new LocalKms(dir, false);
        for (Future<DataKey> f : made) {
          DataKey k = f.get(30, TimeUnit.SECONDS);
          assertArrayEquals(k.plaintext(), reader.unwrap(kek, k.wrapped(),
              EncryptionContext.forDek(kek)), "round " + round);
        }
      }
    } finally {
      pool.shutdownNow();
    }
    try (Stream<Path> left = Files.list(dir)) {
      assertEquals(List.of(), left.filter(p -> p.toString().endsWith(".tmp")).toList(),
          "no temp files left behind");
    }
  }

  /** The same race across processes: the lock is a file lock, not only a JVM monitor. */
  @Test
  void producerProcessesRacingToCreateAKekAllUseTheKeysetOnDisk() throws Exception {
    String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String cp = System.getProperty("java.class.path");
    List<Process> procs = new ArrayList<>();
    Path go = dir.resolve("go");
    for (int i = 0; i < 4; i++) {
      procs.add(new ProcessBuilder(javaBin, "-cp", cp, LocalKmsRaceMain.class.getName(),
          dir.toString(), "proc-race", go.toString()).redirectErrorStream(true).start());
    }
    // the children spin until `go` exists, so they start creating at about the same moment
    Files.writeString(go, "");
    LocalKms reader = new LocalKms(dir, false);
    for (Process p : procs) {
      assertTrue(p.waitFor(60, TimeUnit.SECONDS), "child finished");
      String out = new String(p.getInputStream().readAllBytes(),
          StandardCharsets.UTF_8).trim();
      assertEquals(0, p.exitValue(), out);
      String[] parts = out.split(" ");
      byte[] plain = Base64.getDecoder().decode(parts[0]);
      byte[] wrapped = Base64.getDecoder().decode(parts[1]);
      assertArrayEquals(plain, reader.unwrap("proc-race", wrapped,
          EncryptionContext.forDek("proc-race")));
    }
  }

  /** Concurrent rotations must each add their key: none may drop another's. */
  @Test
  void concurrentRotationsKeepEveryKey() throws Exception {
    LocalKms first = new LocalKms(dir, true);
    DataKey before = first.generateDataKey("rot", EncryptionContext.forDek("rot"));
    int threads = 8;
    CyclicBarrier start = new CyclicBarrier(threads);
    List<Thread> ts = new ArrayList<>();
    List<DataKey> made = Collections.synchronizedList(
        new ArrayList<>());
    List<Throwable> errors = Collections.synchronizedList(
        new ArrayList<>());
    for (int t = 0; t < threads; t++) {
      Thread th = new Thread(() -> {
        try {
          start.await();
          LocalKms.rotate(dir, "rot");
          made.add(new LocalKms(dir, false).generateDataKey("rot", EncryptionContext.forDek(
              "rot")));
        } catch (Throwable e) {
          errors.add(e);
        }
      });
      th.start();
      ts.add(th);
    }
    for (Thread th : ts) {
      th.join(30_000);
    }
    assertEquals(List.of(), errors);
    LocalKms reader = new LocalKms(dir, false);
    assertArrayEquals(before.plaintext(), reader.unwrap("rot", before.wrapped(),
        EncryptionContext.forDek("rot")));
    for (DataKey k : made) {
      assertArrayEquals(k.plaintext(), reader.unwrap("rot", k.wrapped(),
          EncryptionContext.forDek("rot")));
    }
    assertEquals(threads, made.size());
  }

  @Test
  void missingKekIsKeyNotFoundUnlessCreationIsEnabled() {
    KmsException e = assertThrows(KmsException.class,
        () -> new LocalKms(dir, false).generateDataKey("nope", EncryptionContext.forDek("nope")));
    assertEquals(KmsException.Reason.KEY_NOT_FOUND, e.reason());
    assertTrue(e.getMessage().contains("create.missing"));
  }

  @Test
  void wrongKekWrongContextAndTamperingAreRefused() {
    LocalKms kms = new LocalKms(dir, true);
    DataKey k = kms.generateDataKey("a", EncryptionContext.forDek("a"));
    kms.generateDataKey("b", EncryptionContext.forDek("b"));
    assertEquals(KmsException.Reason.INVALID_CIPHERTEXT, assertThrows(KmsException.class,
        () -> kms.unwrap("b", k.wrapped(), EncryptionContext.forDek("b"))).reason());
    assertEquals(KmsException.Reason.INVALID_CIPHERTEXT, assertThrows(KmsException.class,
        () -> kms.unwrap("a", k.wrapped(), EncryptionContext.of(Map.of("x", "y")))).reason());
    byte[] tampered = k.wrapped();
    tampered[tampered.length - 1] ^= 1;
    assertEquals(KmsException.Reason.INVALID_CIPHERTEXT, assertThrows(KmsException.class,
        () -> kms.unwrap("a", tampered, EncryptionContext.forDek("a"))).reason());
  }

  @Test
  void rotationChangesTheVersionAndOldKeysStillUnwrap() {
    LocalKms before = new LocalKms(dir, true);
    EncryptionContext ctx = EncryptionContext.forDek("k");
    DataKey old = before.generateDataKey("k", ctx);
    LocalKms.rotate(dir, "k");
    LocalKms after = new LocalKms(dir, false);
    DataKey fresh = after.generateDataKey("k", ctx);
    assertNotEquals(old.kekVersion(), fresh.kekVersion());
    assertArrayEquals(old.plaintext(), after.unwrap("k", old.wrapped(), ctx));
    assertArrayEquals(fresh.plaintext(), after.unwrap("k", fresh.wrapped(), ctx));
  }

  @Test
  void kekIdsCannotEscapeTheDirectory() {
    KmsException e = assertThrows(KmsException.class,
        () -> new LocalKms(dir, true).generateDataKey("../evil", EncryptionContext.forDek("x")));
    assertEquals(KmsException.Reason.KEY_NOT_FOUND, e.reason());
    assertFalse(Files.exists(dir.getParent().resolve("evil.json")));
  }

  @Test
  void serializerWithLocalKmsByConfiguration() {
    Map<String, Object> c = new HashMap<>();
    c.put("envelope.kms.type", "local");
    c.put("envelope.kms.local.keyset.dir", dir.toString());
    c.put("envelope.kms.local.create.missing", "true");
    c.put("envelope.kek.id", "orders");
    c.put("envelope.inner.serializer", "org.apache.kafka.common.serialization.StringSerializer");
    c.put("envelope.inner.deserializer",
        "org.apache.kafka.common.serialization.StringDeserializer");
    try (EncryptingSerializer<String> s = new EncryptingSerializer<>();
        DecryptingDeserializer<String> d = new DecryptingDeserializer<>()) {
      s.configure(c, false);
      d.configure(c, false);
      RecordHeaders h = new RecordHeaders();
      assertEquals("hi", d.deserialize("t", h, s.serialize("t", h, "hi")));
    }
  }
}
