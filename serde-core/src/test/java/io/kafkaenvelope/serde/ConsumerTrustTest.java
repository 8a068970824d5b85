package io.kafkaenvelope.serde;

import static io.kafkaenvelope.testing.TestConfigs.MARKER;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkaenvelope.kms.KmsException;
import io.kafkaenvelope.kms.memory.InMemoryKms;
import io.kafkaenvelope.serde.EnvelopeException.Reason;
import io.kafkaenvelope.testing.CapturingAppender;
import io.kafkaenvelope.testing.Pair;
import io.kafkaenvelope.testing.TestConfigs;
import io.kafkaenvelope.internal.wire.EnvelopeHeader;
import io.kafkaenvelope.internal.wire.InlineFrame;
import io.kafkaenvelope.internal.wire.Role;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Serdes;
import org.junit.jupiter.api.Test;

/**
 * Issue 13: a reader accepts records only under the KEKs it expects, checked before any KMS call,
 * and a hostile writer cannot exhaust the KMS or the consumer's memory.
 */
class ConsumerTrustTest {

  private final String kmsName = TestConfigs.newKmsName();
  private final InMemoryKms kms = TestConfigs.kms(kmsName);
  private final Map<String, Object> reader = TestConfigs.base(kmsName); // envelope.kek.id=kek-1

  /** A record a producer holding {@code kekId} (same KMS, same topic) writes. */
  private byte[] writtenUnder(String kekId, String topic, RecordHeaders headers) {
    Map<String, Object> writer = TestConfigs.base(kmsName);
    writer.put("envelope.kek.id", kekId);
    try (EncryptingSerializer<String> s = new EncryptingSerializer<>()) {
      s.configure(writer, false);
      return s.serialize(topic, headers, MARKER);
    }
  }

  private DecryptingDeserializer<String> deserializer(Map<String, Object> configs) {
    DecryptingDeserializer<String> d = new DecryptingDeserializer<>();
    d.configure(configs, false);
    return d;
  }

  @Test
  void aRecordUnderAnotherKekIsRefusedBeforeAnyKmsCall() {
    RecordHeaders h = new RecordHeaders();
    byte[] forged = writtenUnder("kek-2", "orders", h);
    kms.resetCounters();
    try (DecryptingDeserializer<String> d = deserializer(reader)) {
      EnvelopeException e = assertThrows(EnvelopeException.class,
          () -> d.deserialize("orders", h, forged));
      assertEquals(Reason.KEK_NOT_ALLOWED, e.reason());
      assertEquals("kek-2", e.kekId());
      assertTrue(e.getMessage().contains("'orders'") && e.getMessage().contains("kek-1")
          && e.getMessage().contains("envelope.kek.allowed.ids"), e.getMessage());
      // inline framing is checked the same way
      byte[] inline = writtenUnder("kek-2", "orders", null);
      assertEquals(Reason.KEK_NOT_ALLOWED, assertThrows(EnvelopeException.class,
          () -> d.deserialize("orders", inline)).reason());
    }
    assertEquals(0, kms.unwrapCalls(), "refused before the KMS was asked");
  }

  @Test
  void theSamePropertiesServeProducerAndConsumer() {
    try (Pair p = new Pair(reader, false)) {
      RecordHeaders h = new RecordHeaders();
      assertEquals(MARKER, p.deserializer.deserialize("t", h, p.serializer.serialize("t", h,
          MARKER)));
    }
    Map<String, Object> key = new HashMap<>(reader);
    key.put("envelope.key.kek.id", "key-kek");
    try (Pair p = new Pair(key, true)) {
      RecordHeaders h = new RecordHeaders();
      assertEquals(MARKER, p.deserializer.deserialize("t", h, p.serializer.serialize("t", h,
          MARKER)));
      // the key side expects its own KEK: a key encrypted under the value KEK is refused
      byte[] underValueKek;
      Map<String, Object> valueKek = new HashMap<>(reader);
      try (EncryptingSerializer<String> s = new EncryptingSerializer<>()) {
        s.configure(valueKek, true);
        underValueKek = s.serialize("t", h, MARKER);
      }
      assertEquals(Reason.KEK_NOT_ALLOWED, assertThrows(EnvelopeException.class,
          () -> p.deserializer.deserialize("t", h, underValueKek)).reason());
    }
  }

  @Test
  void allowedIdsAcceptExactIdsAndTemplates() {
    RecordHeaders h2 = new RecordHeaders();
    byte[] underKek2 = writtenUnder("kek-2", "orders", h2);
    RecordHeaders ht = new RecordHeaders();
    byte[] underTopicKek = writtenUnder("old-orders", "orders", ht);
    reader.put("envelope.kek.allowed.ids", "kek-2, old-${topic}");
    try (DecryptingDeserializer<String> d = deserializer(reader)) {
      assertEquals(MARKER, d.deserialize("orders", h2, underKek2));
      assertEquals(MARKER, d.deserialize("orders", ht, underTopicKek));
    }
    // the template names the topic: old-orders is not accepted for payments
    RecordHeaders hp = new RecordHeaders();
    byte[] forPayments = writtenUnder("old-orders", "payments", hp);
    try (DecryptingDeserializer<String> d = deserializer(reader)) {
      assertEquals(Reason.KEK_NOT_ALLOWED, assertThrows(EnvelopeException.class,
          () -> d.deserialize("payments", hp, forPayments)).reason());
    }
  }

  @Test
  void aConsumerTemplateExpectsTheKekOfTheTopicTheRecordWasProducedTo() {
    Map<String, Object> shared = TestConfigs.base(kmsName);
    shared.remove("envelope.kek.id");
    shared.put("envelope.kek.id.template", "kafka-${topic}");
    shared.put("envelope.provenance.mirror.source.aliases", "primary");
    try (Pair p = new Pair(shared, false)) {
      RecordHeaders h = new RecordHeaders();
      byte[] orders = p.serializer.serialize("orders", h, MARKER);
      assertEquals(MARKER, p.deserializer.deserialize("orders", h, orders));
      assertEquals(MARKER, p.deserializer.deserialize("primary.orders", h, orders));
      // the producer of payments writes into orders under its own KEK
      RecordHeaders hp = new RecordHeaders();
      byte[] forged = writtenUnder("kafka-payments", "orders", hp);
      assertEquals(Reason.KEK_NOT_ALLOWED, assertThrows(EnvelopeException.class,
          () -> p.deserializer.deserialize("orders", hp, forged)).reason());
    }
  }

  @Test
  void discoveryAcceptsAnyKekTheKmsUnwrapsAndWarnsOnConfigure() {
    RecordHeaders h = new RecordHeaders();
    byte[] underKek2 = writtenUnder("kek-2", "orders", h);
    reader.remove("envelope.kek.id");
    reader.put("envelope.kek.discovery", true);
    int before = CapturingAppender.events().size();
    try (DecryptingDeserializer<String> d = deserializer(reader)) {
      assertEquals(MARKER, d.deserialize("orders", h, underKek2));
    }
    assertTrue(CapturingAppender.events().stream().skip(before)
        .anyMatch(e -> e.contains("envelope.kek.discovery=true") && e.contains("forge")),
        "a WARN on configure");
  }

  @Test
  void aConsumerWithNoPolicyFailsConfigureNamingTheThreeSettings() {
    reader.remove("envelope.kek.id");
    ConfigException e = assertThrows(ConfigException.class, () -> deserializer(reader));
    for (String setting : new String[] {"envelope.kek.id", "envelope.kek.allowed.ids",
        "envelope.kek.discovery"}) {
      assertTrue(e.getMessage().contains(setting), e.getMessage());
    }
    // EnvelopeSerde's deserializer half too
    EnvelopeSerde<String> serde = new EnvelopeSerde<>(Serdes.String());
    Map<String, Object> withKek = TestConfigs.base(kmsName);
    serde.configure(withKek, false);
    serde.close();
  }

  @Test
  void envelopeSerdeRefusesAnotherKek() {
    try (EnvelopeSerde<String> serde = new EnvelopeSerde<>(Serdes.String())) {
      serde.configure(reader, false);
      byte[] forged = writtenUnder("kek-2", "store", null);
      assertEquals(Reason.KEK_NOT_ALLOWED, assertThrows(EnvelopeException.class,
          () -> serde.deserializer().deserialize("store", forged)).reason());
    }
  }

  /** Issue 13: 10,000 forged records, under a forged KEK and under the expected one. */
  @Test
  void aFloodOfForgedRecordsCostsAtMostOneKmsCallPerAcceptedKek() {
    RecordHeaders good = new RecordHeaders();
    byte[] template = writtenUnder("kek-1", "orders", good);
    EnvelopeHeader real = EnvelopeHeader.parse(good.lastHeader(Role.VALUE.headerName()).value());
    kms.resetCounters();
    // a backoff longer than the test: the outcome cannot depend on how fast this machine is
    reader.put("envelope.kms.failure.backoff.ms", 3_600_000L);
    java.util.Random random = new java.util.Random(13); // fixed seed: the same flood every run
    int kekNotAllowed = 0;
    try (DecryptingDeserializer<String> d = deserializer(reader)) {
      assertEquals(MARKER, d.deserialize("orders", good, template)); // a genuine DEK, cached
      kms.resetCounters();
      for (int i = 0; i < 10_000; i++) {
        byte[] wrapped = new byte[real.wrappedDek().length];
        random.nextBytes(wrapped);
        byte[] dekId = new byte[16];
        random.nextBytes(dekId);
        String kek = i % 2 == 0 ? "kek-1" : "forged-" + i;
        byte[] header = EnvelopeHeader.create(Role.VALUE, dekId, "orders", kek, "v1", wrapped)
            .encodedUnsafe();
        RecordHeaders h = new RecordHeaders();
        h.add(Role.VALUE.headerName(), header);
        EnvelopeException e = assertThrows(EnvelopeException.class,
            () -> d.deserialize("orders", h, template));
        if (e.reason() == Reason.KEK_NOT_ALLOWED) {
          kekNotAllowed++;
        }
      }
      assertEquals(5_000, kekNotAllowed);
      assertEquals(1, kms.unwrapCalls(), "one call for the accepted KEK, none for the forged");
      // the genuine DEK, already unwrapped, keeps working through the flood; a new genuine DEK
      // under the flooded KEK would wait for the backoff (UNWRAP_LIMITED, transient)
      assertEquals(MARKER, d.deserialize("orders", good, template));
      assertEquals(1, kms.unwrapCalls());
    }
  }

  /** Issue 13: the inline/header fallback must not unwrap twice for one forged record. */
  @Test
  void aForgedRecordWithAnInlineFrameAndAHeaderCostsOneUnwrap() {
    reader.put("envelope.kek.allowed.ids", "kek-a,kek-b");
    byte[] wrapped = new byte[48];
    byte[] inlineHeader = EnvelopeHeader.create(Role.VALUE, new byte[16], "t", "kek-a", "v1",
        wrapped).encodedUnsafe();
    byte[] frame = new byte[InlineFrame.prefixLength(inlineHeader.length) + 40];
    InlineFrame.writePrefix(frame, inlineHeader);
    RecordHeaders h = new RecordHeaders();
    h.add(Role.VALUE.headerName(), EnvelopeHeader.create(Role.VALUE, new byte[16], "t", "kek-b",
        "v1", wrapped).encodedUnsafe());
    kms.createKek("kek-a").createKek("kek-b");
    kms.resetCounters();
    try (DecryptingDeserializer<String> d = deserializer(reader)) {
      assertThrows(EnvelopeException.class, () -> d.deserialize("t", h, frame));
    }
    assertEquals(1, kms.unwrapCalls());
  }

  /** Issue 13: a few small compressed records must not make a consumer allocate gigabytes. */
  @Test
  void theCompressedRecordsOfOnePollShareADecompressionBudget() {
    Map<String, Object> c = TestConfigs.base(kmsName);
    c.put("envelope.compression.type", "gzip");
    c.put("envelope.decompressed.budget.bytes", 3L << 20);
    byte[] plaintext = new byte[1 << 20]; // 1 MiB of zeros: ~1 KiB compressed
    EncryptingSerializer<byte[]> s = TestConfigs.bytesSerializer(c, false);
    DecryptingDeserializer<byte[]> d = new DecryptingDeserializer<>(
        new org.apache.kafka.common.serialization.ByteArrayDeserializer());
    d.configure(c, false);
    try (s; d) {
      byte[][] records = new byte[5][];
      RecordHeaders[] hs = new RecordHeaders[5];
      for (int i = 0; i < 5; i++) {
        hs[i] = new RecordHeaders();
        records[i] = s.serialize("t", hs[i], plaintext);
        assertTrue(records[i].length < 10_000, "compressed: " + records[i].length);
      }
      for (int i = 0; i < 3; i++) {
        assertEquals(1 << 20, d.deserialize("t", hs[i], records[i]).length);
      }
      EnvelopeException e = assertThrows(EnvelopeException.class,
          () -> d.deserialize("t", hs[3], records[3]));
      assertEquals(Reason.DECOMPRESSION_LIMIT, e.reason());
      assertTrue(e.getMessage().contains("envelope.decompressed.budget.bytes"), e.getMessage());
      // the refusal ends the poll; the next poll retries the record with a fresh budget
      assertArrayEquals(plaintext, d.deserialize("t", hs[3], records[3]));
    }
    // a poll of at most 2 records never exceeds 3 MiB
    c.put("max.poll.records", 2);
    DecryptingDeserializer<byte[]> small = new DecryptingDeserializer<>(
        new org.apache.kafka.common.serialization.ByteArrayDeserializer());
    small.configure(c, false);
    try (EncryptingSerializer<byte[]> s2 = TestConfigs.bytesSerializer(c, false); small) {
      for (int i = 0; i < 10; i++) {
        RecordHeaders h = new RecordHeaders();
        assertEquals(1 << 20, small.deserialize("t", h, s2.serialize("t", h, plaintext)).length);
      }
    }
  }

  @Test
  void headerStringsAreSanitizedInMessages() {
    String hostile = "kek\n2026-12-01 INFO forged log line\u001b[31m\u202e" + "x".repeat(5000);
    byte[] header = EnvelopeHeader.create(Role.VALUE, new byte[16], "orders", hostile, "v1",
        new byte[48]).encodedUnsafe();
    RecordHeaders h = new RecordHeaders();
    h.add(Role.VALUE.headerName(), header);
    try (DecryptingDeserializer<String> d = deserializer(reader)) {
      EnvelopeException e = assertThrows(EnvelopeException.class,
          () -> d.deserialize("orders", h, new byte[40]));
      assertEquals(Reason.KEK_NOT_ALLOWED, e.reason());
      String m = e.getMessage();
      assertFalse(m.contains("\n") || m.contains("\u001b") || m.contains("\u202e"), m);
      assertTrue(m.length() < 1500, "truncated: " + m.length());
      assertTrue(m.contains("(5041 chars)"), m);
      assertEquals(hostile, e.kekId(), "the accessor keeps the raw id for programs");
    }
    assertEquals("plain-id", EnvelopeException.printable("plain-id"));
    // in discovery mode the id reaches the KMS, whose message quotes it: sanitized there too
    reader.remove("envelope.kek.id");
    reader.put("envelope.kek.discovery", true);
    try (DecryptingDeserializer<String> d = deserializer(reader)) {
      EnvelopeException e = assertThrows(EnvelopeException.class,
          () -> d.deserialize("orders", h, new byte[40]));
      assertTrue(e.getMessage().contains("forged log line"), e.getMessage());
      assertFalse(e.getMessage().contains("\n") || e.getMessage().contains("\u001b"),
          e.getMessage());
    }
  }

  /** Issue 13: the inline writer must not write a header length modulo 2^16. */
  @Test
  void anInlineHeaderLongerThan65535BytesIsRefused() {
    Map<String, Object> c = TestConfigs.base(kmsName);
    c.put("envelope.kek.id", "k".repeat(40_000));
    try (Pair p = new Pair(c, false)) {
      String topic = "t".repeat(30_000);
      EnvelopeException e = assertThrows(EnvelopeException.class,
          () -> p.serializer.serialize(topic, MARKER));
      assertEquals(Reason.MISCONFIGURED, e.reason());
      assertTrue(e.getMessage().contains("envelope.framing"), e.getMessage());
      // header mode has no such limit
      RecordHeaders h = new RecordHeaders();
      assertEquals(MARKER, p.deserializer.deserialize(topic, h,
          p.serializer.serialize(topic, h, MARKER)));
    }
  }

  /** Issue 13: a KEK that gave this process keys is not believed to be missing. */
  @Test
  void plaintextForAnUnresolvedKekNeverAppliesToAKekThatResolvedBefore() {
    Map<String, Object> c = TestConfigs.base(kmsName);
    c.put("envelope.kek.unresolved.policy", "plaintext");
    c.put("envelope.dek.max.records", 1L);
    c.put("envelope.kms.failure.backoff.ms", 0L);
    try (Pair p = new Pair(c, false)) {
      RecordHeaders h = new RecordHeaders();
      assertEquals(MARKER, p.deserializer.deserialize("t", h, p.serializer.serialize("t", h,
          MARKER)));
      kms.failGenerateWith(KmsException.Reason.KEY_NOT_FOUND);
      RecordHeaders h2 = new RecordHeaders();
      EnvelopeException e = assertThrows(EnvelopeException.class,
          () -> p.serializer.serialize("t", h2, MARKER));
      assertEquals(Reason.UNKNOWN_KEY, e.reason());
    }
    // a new serializer in the same process does not believe it either
    try (EncryptingSerializer<String> s = new EncryptingSerializer<>()) {
      s.configure(c, false);
      assertThrows(EnvelopeException.class, () -> s.serialize("t", new RecordHeaders(), MARKER));
    }
    // while a KEK that never resolved goes out in plaintext as the opt-in says, in header and
    // inline framing alike
    c.put("envelope.kek.id", "never-existed");
    try (EncryptingSerializer<String> s = new EncryptingSerializer<>()) {
      s.configure(c, false);
      assertArrayEquals(MARKER.getBytes(java.nio.charset.StandardCharsets.UTF_8),
          s.serialize("t", new RecordHeaders(), MARKER));
      assertArrayEquals(MARKER.getBytes(java.nio.charset.StandardCharsets.UTF_8),
          s.serialize("t", MARKER));
    }
  }

  /** Issue 13: the test-only in-memory KMS is not registered by the production jar. */
  @Test
  void theProductionJarDoesNotRegisterTheInMemoryKms() throws Exception {
    String services = Files.readString(Path.of("src", "main", "resources", "META-INF", "services",
        "io.kafkaenvelope.kms.KmsProvider"));
    assertFalse(services.contains("InMemory"), services);
    assertTrue(services.contains("LocalKmsProvider"), services);
  }
}
