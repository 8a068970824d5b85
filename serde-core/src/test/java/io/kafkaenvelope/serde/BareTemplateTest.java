package io.kafkaenvelope.serde;

import static io.kafkaenvelope.testing.TestConfigs.MARKER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkaenvelope.internal.kek.KekHeaderException;
import io.kafkaenvelope.internal.kek.KekSelector;
import io.kafkaenvelope.internal.wire.EnvelopeHeader;
import io.kafkaenvelope.kms.memory.InMemoryKms;
import io.kafkaenvelope.serde.EnvelopeException.Reason;
import io.kafkaenvelope.testing.TestConfigs;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * Issue 17: the bare placeholder spelling ({@code {topic}}, {@code {header:NAME}}), which Spring's
 * property placeholders, Kafka's config providers and shells leave alone, means exactly what
 * {@code ${topic}} and {@code ${header:NAME}} mean, on the serializer and in the consumer's policy,
 * alone or mixed with the dollar spelling; hostile header values fail closed the same way.
 */
class BareTemplateTest {

  private final String kmsName = TestConfigs.newKmsName();
  private final InMemoryKms kms = TestConfigs.kms(kmsName);

  private Map<String, Object> withTemplate(String template) {
    Map<String, Object> m = TestConfigs.base(kmsName);
    m.remove("envelope.kek.id");
    m.put("envelope.kek.id.template", template);
    return m;
  }

  private static RecordHeaders tenant(String value) {
    RecordHeaders h = new RecordHeaders();
    h.add("tenant", value.getBytes(StandardCharsets.UTF_8));
    return h;
  }

  private static String kekOf(RecordHeaders h) {
    return EnvelopeHeader.parse(h.lastHeader("kafka-envelope.value").value()).kekId();
  }

  @Test
  void bareAndDollarSpellingsNameTheSameKekAndReadEachOthersRecords() {
    List<String> spellings = List.of("kek-${topic}-${header:tenant}", "kek-{topic}-{header:tenant}",
        "kek-{topic}-${header:tenant}", "kek-${topic}-{header:tenant}");
    // a record produced to payments under orders' KEK (a writer with the wrong KEK)
    RecordHeaders wrong = tenant("acme");
    byte[] wrongKek;
    Map<String, Object> fixed = TestConfigs.base(kmsName);
    fixed.put("envelope.kek.id", "kek-orders-acme");
    try (EncryptingSerializer<String> s = new EncryptingSerializer<>()) {
      s.configure(fixed, false);
      wrongKek = s.serialize("payments", wrong, MARKER);
    }
    for (String writer : spellings) {
      try (EncryptingSerializer<String> s = new EncryptingSerializer<>()) {
        s.configure(withTemplate(writer), false);
        RecordHeaders h = tenant("acme");
        byte[] v = s.serialize("orders", h, MARKER);
        assertEquals("kek-orders-acme", kekOf(h), writer);
        for (String reader : spellings) {
          try (DecryptingDeserializer<String> d = new DecryptingDeserializer<>()) {
            d.configure(withTemplate(reader), false);
            assertEquals(MARKER, d.deserialize("orders", h, v), writer + " read by " + reader);
            // the reader's template names the topic the record was produced to
            EnvelopeException e = assertThrows(EnvelopeException.class,
                () -> d.deserialize("payments", wrong, wrongKek), reader);
            assertEquals(Reason.KEK_NOT_ALLOWED, e.reason(), reader);
          }
        }
      }
    }
    assertEquals(spellings.size() + 1, kms.generateCalls(), "one DEK per serializer");
  }

  @Test
  void aBareTemplateInAllowedIdsIsATemplate() {
    RecordHeaders h = new RecordHeaders();
    byte[] underOldKek;
    Map<String, Object> writer = TestConfigs.base(kmsName);
    writer.put("envelope.kek.id", "old-orders");
    try (EncryptingSerializer<String> s = new EncryptingSerializer<>()) {
      s.configure(writer, false);
      underOldKek = s.serialize("orders", h, MARKER);
    }
    RecordHeaders hp = new RecordHeaders();
    byte[] forPayments;
    try (EncryptingSerializer<String> s = new EncryptingSerializer<>()) {
      s.configure(writer, false);
      forPayments = s.serialize("payments", hp, MARKER);
    }
    Map<String, Object> reader = TestConfigs.base(kmsName);
    reader.put("envelope.kek.allowed.ids", "old-{topic}");
    kms.resetCounters();
    try (DecryptingDeserializer<String> d = new DecryptingDeserializer<>()) {
      d.configure(reader, false);
      assertEquals(MARKER, d.deserialize("orders", h, underOldKek));
      EnvelopeException e = assertThrows(EnvelopeException.class,
          () -> d.deserialize("payments", hp, forPayments));
      assertEquals(Reason.KEK_NOT_ALLOWED, e.reason());
      assertTrue(e.getMessage().contains("old-payments"), e.getMessage());
    }
    assertEquals(1, kms.unwrapCalls(), "the refused record never reached the KMS");
  }

  @Test
  void hostileHeaderValuesAreRefusedBeforeAnyKmsCallInTheBareSpellingToo() {
    try (EncryptingSerializer<String> s = new EncryptingSerializer<>()) {
      s.configure(withTemplate("kek-{topic}-{header:tenant}"), false);
      for (String bad : List.of("../x", "..", "a/b", "", ".hidden", "a:b", "x\ny", "a b",
          "{topic}", "${topic}", "{header:x}", "a}b", "tenant\u202e", "a".repeat(65))) {
        EnvelopeException e = assertThrows(EnvelopeException.class,
            () -> s.serialize("orders", tenant(bad), MARKER), bad);
        assertEquals(Reason.KEK_HEADER_INVALID, e.reason(), bad);
        assertFalse(bad.length() > 1 && e.getMessage().contains(bad), e.getMessage());
      }
      RecordHeaders none = new RecordHeaders();
      assertEquals(Reason.KEK_HEADER_INVALID, assertThrows(EnvelopeException.class,
          () -> s.serialize("orders", none, MARKER)).reason());
      assertFalse(none.toArray().length > 0, "nothing was added to a refused record");
    }
    assertEquals(0, kms.generateCalls());
  }

  @Test
  void aTopicNameIsInsertedOnceAndNeverReadAsAPlaceholder() {
    KekSelector sel = KekSelector.template("kek-{topic}");
    // a topic cannot contain braces, but the selector must not re-expand what it inserted anyway
    assertEquals("kek-{topic}x", sel.kekFor("{topic}x", new RecordHeaders()));
    assertEquals("kek-a", sel.kekFor("a"));
    // a lone dollar before a bare placeholder stays literal text
    assertEquals("kek-$-orders", KekSelector.template("kek-$-{topic}").kekFor("orders"));
    // the dollar spelling is one placeholder, not a '$' followed by the bare one
    assertEquals("kek-orders", KekSelector.template("kek-${topic}").kekFor("orders"));
  }

  @Test
  void mixedSpellingsResolveTopicAndSeveralHeaders() {
    KekSelector sel = KekSelector.template("{header:region}/kek-${topic}-{header:tenant}");
    assertEquals(List.of("region", "tenant"), sel.headerNames());
    assertTrue(sel.usesHeaders());
    RecordHeaders h = tenant("acme");
    h.add("region", "eu-1".getBytes(StandardCharsets.UTF_8));
    assertEquals("eu-1/kek-orders-acme", sel.kekFor("orders", h));
    KekHeaderException e = assertThrows(KekHeaderException.class,
        () -> sel.kekFor("orders", tenant("acme")));
    assertEquals("region", e.headerName());
    // for messages, header placeholders stay as written
    assertEquals("{header:region}/kek-orders-{header:tenant}", sel.kekFor("orders"));
    assertFalse(KekSelector.template("kek-{topic}").usesHeaders());
    assertTrue(KekSelector.isTemplate("kek-{topic}"));
    assertTrue(KekSelector.isTemplate("kek-{header:t}"));
    assertFalse(KekSelector.isTemplate("kek-{topik}"));
    assertFalse(KekSelector.isTemplate("alias/kafka-orders"));
  }

  @Test
  void bareTemplatesAreCheckedAtConfigure() {
    Map<String, Object> m = withTemplate("kek-{header:}");
    ConfigException e = assertThrows(ConfigException.class, () -> {
      try (EncryptingSerializer<String> s = new EncryptingSerializer<>()) {
        s.configure(m, false);
      }
    });
    assertTrue(e.getMessage().contains("envelope.kek.id.template")
        && e.getMessage().contains("{header:}"), e.getMessage());
    // what Spring made of ${topic} with TOPIC=orders set: no placeholder left
    m.put("envelope.kek.id.template", "kek-orders-");
    String msg = assertThrows(ConfigException.class, () -> {
      try (EncryptingSerializer<String> s = new EncryptingSerializer<>()) {
        s.configure(m, false);
      }
    }).getMessage();
    assertTrue(msg.contains("{topic}") && msg.contains("{header:NAME}"), msg);
    Map<String, Object> reader = TestConfigs.base(kmsName);
    reader.put("envelope.kek.allowed.ids", "kek-1, old-{header:}");
    assertTrue(assertThrows(ConfigException.class, () -> {
      try (DecryptingDeserializer<String> d = new DecryptingDeserializer<>()) {
        d.configure(reader, false);
      }
    }).getMessage().contains("envelope.kek.allowed.ids"));
  }

  @Test
  void deterministicModeRefusesABareHeaderTemplateToo() {
    Map<String, Object> m = withTemplate("kek-{header:tenant}");
    m.put("envelope.mode", "deterministic");
    ConfigException e = assertThrows(ConfigException.class, () -> {
      try (EncryptingSerializer<String> s = new EncryptingSerializer<>(new StringSerializer())) {
        s.configure(m, true);
      }
    });
    assertTrue(e.getMessage().contains("reading a record header"), e.getMessage());
  }
}
