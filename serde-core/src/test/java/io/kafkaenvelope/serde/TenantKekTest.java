package io.kafkaenvelope.serde;

import static io.kafkaenvelope.testing.TestConfigs.MARKER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkaenvelope.internal.kek.KekHeaderException;
import io.kafkaenvelope.internal.kek.KekSelector;
import io.kafkaenvelope.internal.wire.EnvelopeHeader;
import io.kafkaenvelope.kms.memory.InMemoryKms;
import io.kafkaenvelope.kms.local.LocalKms;
import io.kafkaenvelope.serde.EnvelopeException.Reason;
import io.kafkaenvelope.testing.TestConfigs;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 18: per-tenant KEKs. {@code ${header:tenant}} in the KEK template picks each record's KEK
 * from its own header, on the serializer and the deserializer; a missing or hostile header fails
 * closed (KEK_HEADER_INVALID) before any KMS call.
 */
class TenantKekTest {

  private static final String TEMPLATE = "kek-${topic}-${header:tenant}";

  private final String kmsName = TestConfigs.newKmsName();
  private final InMemoryKms kms = TestConfigs.kms(kmsName);

  @TempDir Path dir;

  private Map<String, Object> settings() {
    Map<String, Object> m = TestConfigs.base(kmsName);
    m.remove("envelope.kek.id");
    m.put("envelope.kek.id.template", TEMPLATE);
    return m;
  }

  private static RecordHeaders tenant(String value) {
    RecordHeaders h = new RecordHeaders();
    h.add("tenant", value.getBytes(StandardCharsets.UTF_8));
    return h;
  }

  @Test
  void eachTenantsRecordsAreWrappedUnderItsOwnKekAndReadBack() {
    try (EncryptingSerializer<String> s = new EncryptingSerializer<>();
        DecryptingDeserializer<String> d = new DecryptingDeserializer<>()) {
      s.configure(settings(), false);
      d.configure(settings(), false);
      for (String t : List.of("acme", "globex", "initech")) {
        RecordHeaders h = tenant(t);
        byte[] v = s.serialize("orders", h, MARKER + t);
        EnvelopeHeader env = EnvelopeHeader.parse(h.lastHeader("kafka-envelope.value").value());
        assertEquals("kek-orders-" + t, env.kekId());
        assertEquals(MARKER + t, d.deserialize("orders", h, v));
      }
      assertEquals(3, kms.generateCalls(), "one DEK per tenant KEK");
    }
  }

  @Test
  void aRecordWithoutTheHeaderIsNotSentAndNotRead() {
    try (EncryptingSerializer<String> s = new EncryptingSerializer<>();
        DecryptingDeserializer<String> d = new DecryptingDeserializer<>()) {
      s.configure(settings(), false);
      d.configure(settings(), false);
      RecordHeaders none = new RecordHeaders();
      EnvelopeException e = assertThrows(EnvelopeException.class,
          () -> s.serialize("orders", none, MARKER));
      assertEquals(Reason.KEK_HEADER_INVALID, e.reason());
      assertTrue(e.getMessage().contains("'tenant'")
          && e.getMessage().contains("envelope.kek.id.template"), e.getMessage());
      assertFalse(e.getMessage().contains(MARKER));
      assertNull(none.lastHeader("kafka-envelope.value"));
      // serialized without headers: no tenant either
      assertEquals(Reason.KEK_HEADER_INVALID, assertThrows(EnvelopeException.class,
          () -> s.serialize("orders", MARKER)).reason());
      assertEquals(0, kms.generateCalls());

      // a record made for tenant acme whose header was stripped on the way
      RecordHeaders h = tenant("acme");
      byte[] v = s.serialize("orders", h, MARKER);
      h.remove("tenant");
      kms.resetCounters();
      EnvelopeException read = assertThrows(EnvelopeException.class,
          () -> d.deserialize("orders", h, v));
      assertEquals(Reason.KEK_HEADER_INVALID, read.reason());
      assertEquals(0, kms.unwrapCalls(), "refused before the KMS was asked");
    }
  }

  @Test
  void hostileHeaderValuesAreRefusedBeforeAnyKmsCall() {
    try (EncryptingSerializer<String> s = new EncryptingSerializer<>()) {
      s.configure(settings(), false);
      for (String bad : List.of("../x", "..", "a/b", "", ".hidden", "a:b", "x\ny", "a b",
          "tenant\u202e", "a".repeat(65), "acme/../../etc")) {
        EnvelopeException e = assertThrows(EnvelopeException.class,
            () -> s.serialize("orders", tenant(bad), MARKER), bad);
        assertEquals(Reason.KEK_HEADER_INVALID, e.reason(), bad);
        assertFalse(bad.length() > 1 && e.getMessage().contains(bad), e.getMessage());
      }
      RecordHeaders notUtf8 = new RecordHeaders();
      notUtf8.add("tenant", new byte[] {(byte) 0xC3, 0x28});
      assertEquals(Reason.KEK_HEADER_INVALID, assertThrows(EnvelopeException.class,
          () -> s.serialize("orders", notUtf8, MARKER)).reason());
    }
    assertEquals(0, kms.generateCalls());
  }

  @Test
  void aRecordRelabelledWithAnotherTenantsHeaderIsRefused() {
    try (EncryptingSerializer<String> s = new EncryptingSerializer<>();
        DecryptingDeserializer<String> d = new DecryptingDeserializer<>()) {
      s.configure(settings(), false);
      d.configure(settings(), false);
      RecordHeaders h = tenant("acme");
      byte[] v = s.serialize("orders", h, MARKER);
      assertEquals(MARKER, d.deserialize("orders", h, v)); // fills the reader's fast path
      h.remove("tenant");
      h.add("tenant", "globex".getBytes(StandardCharsets.UTF_8));
      EnvelopeException e = assertThrows(EnvelopeException.class,
          () -> d.deserialize("orders", h, v));
      assertEquals(Reason.KEK_NOT_ALLOWED, e.reason());
    }
  }

  @Test
  void withTheLocalKmsADisabledTenantKekFailsTypedWhileOthersDecrypt() {
    Map<String, Object> m = new HashMap<>(settings());
    m.put("envelope.kms.type", "local");
    m.put("envelope.kms.local.keyset.dir", dir.toString());
    m.put("envelope.kms.local.create.missing", "true");
    m.put("envelope.dek.cache.expire.after.write.ms", 1000L);
    byte[] a;
    byte[] b;
    RecordHeaders ha = tenant("acme");
    RecordHeaders hb = tenant("globex");
    try (EncryptingSerializer<String> s = new EncryptingSerializer<>()) {
      s.configure(m, false);
      a = s.serialize("orders", ha, "for acme");
      b = s.serialize("orders", hb, "for globex");
    }
    assertTrue(Files.exists(dir.resolve("kek-orders-acme.json")));
    LocalKms.disable(dir, "kek-orders-acme");
    assertTrue(LocalKms.list(dir).stream().anyMatch(k -> k.kekId().equals("kek-orders-acme")
        && k.disabled()));
    try (DecryptingDeserializer<String> d = new DecryptingDeserializer<>()) {
      d.configure(m, false);
      assertEquals("for globex", d.deserialize("orders", hb, b));
      EnvelopeException e = assertThrows(EnvelopeException.class,
          () -> d.deserialize("orders", ha, a));
      assertEquals(Reason.KEY_DISABLED, e.reason());
    }
    LocalKms.enable(dir, "kek-orders-acme");
    try (DecryptingDeserializer<String> d = new DecryptingDeserializer<>()) {
      d.configure(m, false);
      assertEquals("for acme", d.deserialize("orders", ha, a));
    }
  }

  @Test
  void templatesAreCheckedAtConfigure() {
    Map<String, Object> m = settings();
    m.put("envelope.kek.id.template", "kek-${header:}");
    ConfigException e = assertThrows(ConfigException.class, () -> {
      try (EncryptingSerializer<String> s = new EncryptingSerializer<>()) {
        s.configure(m, false);
      }
    });
    assertTrue(e.getMessage().contains("envelope.kek.id.template"), e.getMessage());
    m.put("envelope.kek.id.template", "kek-fixed");
    assertTrue(assertThrows(ConfigException.class, () -> {
      try (EncryptingSerializer<String> s = new EncryptingSerializer<>()) {
        s.configure(m, false);
      }
    }).getMessage().contains("${header:NAME}"));
  }

  @Test
  void selectorResolvesTopicAndSeveralHeaders() {
    KekSelector sel = KekSelector.template("${header:region}/kek-${topic}-${header:tenant}");
    assertEquals(List.of("region", "tenant"), sel.headerNames());
    RecordHeaders h = tenant("acme");
    h.add("region", "eu-1".getBytes(StandardCharsets.UTF_8));
    assertEquals("eu-1/kek-orders-acme", sel.kekFor("orders", h));
    h.add("tenant", "other".getBytes(StandardCharsets.UTF_8)); // the last one counts
    assertEquals("eu-1/kek-orders-other", sel.kekFor("orders", h));
    KekHeaderException e = assertThrows(KekHeaderException.class,
        () -> sel.kekFor("orders", tenant("acme")));
    assertEquals("region", e.headerName());
    assertFalse(KekSelector.template("kek-${topic}").usesHeaders());
  }
}
