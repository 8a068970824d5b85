package io.kafkaenvelope.serde;

import static io.kafkaenvelope.testing.TestConfigs.MARKER;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkaenvelope.internal.field.FieldFormat;
import io.kafkaenvelope.internal.wire.FieldHeader;
import io.kafkaenvelope.kms.memory.InMemoryKms;
import io.kafkaenvelope.serde.EnvelopeException.Reason;
import io.kafkaenvelope.testing.MapFieldFormat;
import io.kafkaenvelope.testing.MapFieldFormat.Dict;
import io.kafkaenvelope.testing.TestConfigs;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

/**
 * Field mode ({@code envelope.mode=field}) through serde-core's engine with a test-only format
 * over Java maps and lists ({@link MapFieldFormat}): round trips, one header per KEK, key reuse
 * and rotation, tampering, moved ciphertexts, KEK policy per field and the unreadable setting,
 * deterministic fields and scopes, configuration errors, KMS call counts and metrics.
 */
class FieldModeTest {

  private static final String SSN = "123-45-6789-" + MARKER;
  private static final FieldFormat FORMAT = new MapFieldFormat();
  private static final String FIELDS_HEADER = "kafka-envelope.value.fields";

  private final String kmsName = TestConfigs.newKmsName();
  private final InMemoryKms kms = InMemoryKms.named(kmsName);

  /** Producer settings: customer.ssn, lines[].address and attrs[] encrypted under kek-1. */
  private Map<String, Object> producer() {
    Map<String, Object> m = TestConfigs.base(kmsName);
    m.put("envelope.mode", "field");
    m.put("envelope.fields", "customer.ssn,lines[].address,attrs[]");
    return m;
  }

  private static Map<String, Object> with(Map<String, Object> m, String... kv) {
    Map<String, Object> c = new HashMap<>(m);
    for (int i = 0; i < kv.length; i += 2) {
      c.put(kv[i], kv[i + 1]);
    }
    return c;
  }

  static EncryptingSerializer<Object> serializer(Map<String, Object> configs, FieldFormat f) {
    EncryptingSerializer<Object> s = new EncryptingSerializer<>(new MapFieldFormat.Ser(), f) {};
    s.configure(configs, false);
    return s;
  }

  private static EncryptingSerializer<Object> serializer(Map<String, Object> configs) {
    return serializer(configs, FORMAT);
  }

  static DecryptingDeserializer<Object> deserializer(Map<String, Object> configs) {
    DecryptingDeserializer<Object> d =
        new DecryptingDeserializer<>(new MapFieldFormat.De(), FORMAT) {};
    d.configure(configs, false);
    return d;
  }

  /** A record with encrypted and clear fields, nested, in arrays and in a map type. */
  static Map<String, Object> order(String id, String ssn) {
    Map<String, Object> customer = new LinkedHashMap<>();
    customer.put("name", "Ann");
    customer.put("ssn", ssn);
    List<Object> lines = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      Map<String, Object> line = new LinkedHashMap<>();
      line.put("address", "street " + i + " " + MARKER);
      line.put("qty", i + 1);
      lines.add(line);
    }
    Dict attrs = new Dict();
    attrs.put("colour", "red-" + MARKER);
    attrs.put("we\"ird.key]", 42L);
    Map<String, Object> order = new LinkedHashMap<>();
    order.put("id", id);
    order.put("customer", customer);
    order.put("lines", lines);
    order.put("attrs", attrs);
    order.put("total", 12.5d);
    return order;
  }

  private record Sent(Headers headers, byte[] value) {
    List<FieldHeader> fieldHeaders() {
      List<FieldHeader> l = new ArrayList<>();
      for (Header h : headers.headers(FIELDS_HEADER)) {
        l.add(FieldHeader.parse(h.value()));
      }
      return l;
    }

    /** The value as the inner deserializer sees it: the sealed map. */
    @SuppressWarnings("unchecked")
    Map<String, Object> sealed() {
      return (Map<String, Object>) MapFieldFormat.decode(value);
    }

    Sent withValue(Map<String, Object> sealed) {
      return new Sent(copy(headers), MapFieldFormat.encode(sealed));
    }
  }

  private static Headers copy(Headers h) {
    RecordHeaders c = new RecordHeaders();
    for (Header x : h) {
      c.add(x.key(), x.value().clone());
    }
    return c;
  }

  private static Sent send(EncryptingSerializer<Object> s, String topic, Object record) {
    Headers headers = new RecordHeaders();
    byte[] value = s.serialize(topic, headers, record);
    return new Sent(headers, value);
  }

  private static Object read(DecryptingDeserializer<Object> d, String topic, Sent sent) {
    return d.deserialize(topic, copy(sent.headers), sent.value);
  }

  @SuppressWarnings("unchecked")
  private static Object at(Object record, String... keys) {
    Object cur = record;
    for (String k : keys) {
      cur = cur instanceof List<?> l ? l.get(Integer.parseInt(k))
          : ((Map<String, Object>) cur).get(k);
    }
    return cur;
  }

  @SuppressWarnings("unchecked")
  private static void put(Object record, Object value, String... keys) {
    Object parent = at(record, java.util.Arrays.copyOf(keys, keys.length - 1));
    String last = keys[keys.length - 1];
    if (parent instanceof List<?> l) {
      ((List<Object>) l).set(Integer.parseInt(last), value);
    } else {
      ((Map<String, Object>) parent).put(last, value);
    }
  }

  private static boolean contains(byte[] haystack, String needle) {
    return new String(haystack, StandardCharsets.ISO_8859_1).contains(needle);
  }

  @Test
  void roundTripsExactlyAndTheBytesHoldNoPlaintextOfTheChosenFields() {
    Map<String, Object> original = order("o-1", SSN);
    try (EncryptingSerializer<Object> s = serializer(producer());
        DecryptingDeserializer<Object> d = deserializer(producer())) {
      Sent sent = send(s, "orders", original);
      assertEquals(order("o-1", SSN), original, "the caller's record is not modified");
      assertFalse(contains(sent.value, MARKER), "no chosen field in the clear");
      assertTrue(contains(sent.value, "o-1") && contains(sent.value, "Ann")
          && contains(sent.value, "colour"), "clear fields and map keys stay readable");
      assertInstanceOf(byte[].class, at(sent.sealed(), "customer", "ssn"));
      assertEquals("Ann", at(sent.sealed(), "customer", "name"));
      assertEquals(2, at(sent.sealed(), "lines", "1", "qty"));
      assertNull(sent.headers.lastHeader("kafka-envelope.value"), "no record envelope");
      List<FieldHeader> headers = sent.fieldHeaders();
      assertEquals(1, headers.size(), "one header per KEK");
      assertEquals(Set.of("customer.ssn", "lines[0].address", "lines[1].address",
          "attrs[\"colour\"]", "attrs[\"we\\\"ird.key]\"]"), new HashSet<>(headers.get(0).paths()));
      assertEquals(original, read(d, "orders", sent));
      assertEquals(1, kms.generateCalls());
      assertEquals(1, kms.unwrapCalls());
      // null stays null, with no header
      Headers h = new RecordHeaders();
      assertNull(s.serialize("orders", h, null));
      assertFalse(h.iterator().hasNext());
    }
  }

  @Test
  void aRecordWithoutChosenFieldValuesStillCarriesAFieldHeader() {
    Map<String, Object> record = order("o-2", null);
    ((List<?>) record.get("lines")).clear();
    ((Map<?, ?>) record.get("attrs")).clear();
    // the test format cannot see the element pattern of an empty list; real formats have schemas
    Map<String, Object> p = with(producer(), "envelope.fields", "customer.ssn");
    try (EncryptingSerializer<Object> s = serializer(p);
        DecryptingDeserializer<Object> d = deserializer(p)) {
      Sent sent = send(s, "orders", record);
      assertEquals(List.of(), sent.fieldHeaders().get(0).paths());
      assertEquals(record, read(d, "orders", sent));
    }
  }

  @Test
  void eachKekGetsOneHeaderAndItsOwnDataKeys() {
    Map<String, Object> p = with(producer(), "envelope.fields.kek.customer.ssn", "kek-pii",
        "envelope.fields.kek.attrs[]", "kek-attrs");
    try (EncryptingSerializer<Object> s = serializer(p);
        DecryptingDeserializer<Object> d = deserializer(p)) {
      for (int i = 0; i < 5; i++) {
        Sent sent = send(s, "orders", order("o-" + i, SSN));
        List<FieldHeader> hs = sent.fieldHeaders();
        assertEquals(3, hs.size());
        Map<String, List<String>> byKek = new HashMap<>();
        for (FieldHeader h : hs) {
          byKek.put(h.kekId(), h.paths());
          assertEquals(3, h.count());
        }
        assertEquals(List.of("customer.ssn"), byKek.get("kek-pii"));
        assertEquals(List.of("lines[0].address", "lines[1].address"), byKek.get("kek-1"));
        assertEquals(2, byKek.get("kek-attrs").size());
        assertEquals(order("o-" + i, SSN), read(d, "orders", sent));
      }
      assertEquals(3, kms.generateCalls(), "one data key per KEK, reused across records");
      assertEquals(3, kms.unwrapCalls(), "each unwrapped once");
    }
  }

  @Test
  void dataKeysRotateByTheRecordModeLimitsCountingEachEncryption() {
    // a record here is 4 encryptions under kek-1: the header's tag and three fields
    Map<String, Object> p = with(producer(), "envelope.dek.max.records", "8",
        "envelope.fields", "customer.ssn,lines[].address");
    try (EncryptingSerializer<Object> s = serializer(p);
        DecryptingDeserializer<Object> d = deserializer(p)) {
      List<String> deks = new ArrayList<>();
      for (int i = 0; i < 6; i++) {
        Sent sent = send(s, "orders", order("o-" + i, SSN));
        deks.add(sent.fieldHeaders().get(0).dekIdHex());
        assertEquals(order("o-" + i, SSN), read(d, "orders", sent));
      }
      assertEquals(deks.get(0), deks.get(1));
      assertNotEquals(deks.get(1), deks.get(2));
      assertEquals(deks.get(2), deks.get(3));
      assertNotEquals(deks.get(3), deks.get(4));
      assertEquals(deks.get(4), deks.get(5));
      assertEquals(3, new HashSet<>(deks).size());
      assertEquals(3, kms.unwrapCalls(), "one unwrap per data key");
    }
  }

  @Test
  void noncesNeverRepeatUnderADataKeyAcrossThreadsAndRotations() throws Exception {
    Map<String, Object> p = with(producer(), "envelope.dek.max.records", "37");
    int threads = 4;
    int perThread = 60;
    List<Sent> all = java.util.Collections.synchronizedList(new ArrayList<>());
    try (EncryptingSerializer<Object> s = serializer(p);
        DecryptingDeserializer<Object> d = deserializer(p)) {
      java.util.concurrent.ExecutorService pool =
          java.util.concurrent.Executors.newFixedThreadPool(threads);
      java.util.concurrent.CountDownLatch start = new java.util.concurrent.CountDownLatch(1);
      List<java.util.concurrent.Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int id = t;
        done.add(pool.submit(() -> {
          start.await();
          for (int i = 0; i < perThread; i++) {
            all.add(send(s, "orders", order(id + "-" + i, SSN)));
          }
          return null;
        }));
      }
      start.countDown();
      for (java.util.concurrent.Future<?> f : done) {
        f.get();
      }
      pool.shutdown();
      Set<String> nonces = new HashSet<>();
      Map<String, Integer> usesByDek = new HashMap<>();
      int uses = 0;
      for (Sent sent : all) {
        FieldHeader h = sent.fieldHeaders().get(0);
        usesByDek.merge(h.dekIdHex(), 6, Integer::sum);
        byte[] hb = h.encodedUnsafe();
        int at = FieldHeader.recordNonceOffset();
        assertTrue(nonces.add(h.dekIdHex() + java.util.HexFormat.of().formatHex(hb, at,
            at + 12)), "header nonce unique");
        uses++;
        Map<String, Object> sealed = sent.sealed();
        for (Object ct : List.of(at(sealed, "customer", "ssn"), at(sealed, "lines", "0",
            "address"), at(sealed, "lines", "1", "address"), at(sealed, "attrs", "colour"),
            at(sealed, "attrs", "we\"ird.key]"))) {
          byte[] b = (byte[]) ct;
          assertTrue(nonces.add(h.dekIdHex() + java.util.HexFormat.of().formatHex(b, 2, 14)),
              "field nonce unique");
          uses++;
        }
        Object back = read(d, "orders", sent);
        assertEquals(order((String) at(back, "id"), SSN), back);
      }
      assertEquals(threads * perThread, all.size());
      assertEquals(threads * perThread * 6, uses);
      // 6 encryptions a record (header, ssn, two addresses, two map values); a key takes new
      // records while fewer than 37 are used, and the records in flight then finish on it
      for (int n : usesByDek.values()) {
        assertTrue(n <= 37 + 5 * threads, "uses of one data key: " + n);
      }
      assertTrue(usesByDek.size() >= uses / (37 + 5 * threads), "rotated: " + usesByDek.size());
    }
  }

  @Test
  void everySingleByteChangeOfAFieldCiphertextFails() {
    try (EncryptingSerializer<Object> s = serializer(producer());
        DecryptingDeserializer<Object> d = deserializer(producer())) {
      Sent sent = send(s, "orders", order("o-1", SSN));
      assertEquals(order("o-1", SSN), read(d, "orders", sent));
      byte[] ct = (byte[]) at(sent.sealed(), "customer", "ssn");
      for (int i = 0; i < ct.length; i++) {
        Map<String, Object> sealed = sent.sealed();
        byte[] changed = ct.clone();
        changed[i] ^= 0x01;
        put(sealed, changed, "customer", "ssn");
        Sent tampered = sent.withValue(sealed);
        EnvelopeException e = assertThrows(EnvelopeException.class,
            () -> read(d, "orders", tampered), "byte " + i);
        assertFalse(e.getMessage().contains(MARKER));
      }
      // truncated and emptied
      for (byte[] cut : new byte[][] {java.util.Arrays.copyOf(ct, ct.length - 1), new byte[0]}) {
        Map<String, Object> sealed = sent.sealed();
        put(sealed, cut, "customer", "ssn");
        assertThrows(EnvelopeException.class, () -> read(d, "orders", sent.withValue(sealed)));
      }
      assertEquals(1, kms.unwrapCalls(), "the header's key was unwrapped once");
    }
  }

  @Test
  void everySingleByteChangeOfEachFieldHeaderFails() {
    Map<String, Object> p = with(producer(), "envelope.fields.kek.customer.ssn", "kek-pii");
    try (EncryptingSerializer<Object> s = serializer(p);
        DecryptingDeserializer<Object> d = deserializer(p)) {
      Sent sent = send(s, "orders", order("o-1", SSN));
      assertEquals(order("o-1", SSN), read(d, "orders", sent));
      List<byte[]> originals = new ArrayList<>();
      for (Header h : sent.headers.headers(FIELDS_HEADER)) {
        originals.add(h.value());
      }
      assertEquals(2, originals.size());
      int changes = 0;
      for (int which = 0; which < originals.size(); which++) {
        byte[] header = originals.get(which);
        for (int i = 0; i < header.length; i++) {
          byte[] changed = header.clone();
          changed[i] ^= 0x01;
          Headers hs = new RecordHeaders();
          for (int j = 0; j < originals.size(); j++) {
            hs.add(FIELDS_HEADER, j == which ? changed : originals.get(j));
          }
          Sent tampered = new Sent(hs, sent.value);
          assertThrows(EnvelopeException.class, () -> read(d, "orders", tampered),
              "header " + which + " byte " + i);
          changes++;
        }
      }
      assertTrue(changes > 200, "both headers' bytes: " + changes);
    }
  }

  @Test
  void droppedReorderedOrEditedHeadersFail() {
    Map<String, Object> p = with(producer(), "envelope.fields.kek.customer.ssn", "kek-pii");
    try (EncryptingSerializer<Object> s = serializer(p);
        DecryptingDeserializer<Object> d = deserializer(p)) {
      Sent sent = send(s, "orders", order("o-1", SSN));
      List<byte[]> hs = new ArrayList<>();
      for (Header h : sent.headers.headers(FIELDS_HEADER)) {
        hs.add(h.value());
      }
      // one header dropped: the other says the record has two
      for (int drop = 0; drop < 2; drop++) {
        Headers one = new RecordHeaders().add(FIELDS_HEADER, hs.get(1 - drop));
        EnvelopeException e = assertThrows(EnvelopeException.class,
            () -> read(d, "orders", new Sent(one, sent.value)));
        assertEquals(Reason.TAMPERED, e.reason());
      }
      // swapped between the KEKs
      Headers swapped = new RecordHeaders().add(FIELDS_HEADER, hs.get(1))
          .add(FIELDS_HEADER, hs.get(0));
      assertEquals(Reason.TAMPERED, assertThrows(EnvelopeException.class,
          () -> read(d, "orders", new Sent(swapped, sent.value))).reason());
      // the path list edited (a path dropped) under the old tag
      FieldHeader many = FieldHeader.parse(hs.get(1));
      assertEquals("kek-1", many.kekId());
      assertEquals(4, many.paths().size());
      byte[] edited = FieldHeader.unsealed(many.binding(), 2, many.paths().subList(0, 3));
      System.arraycopy(hs.get(1), hs.get(1).length - 16, edited, edited.length - 16, 16);
      Headers pathDropped = new RecordHeaders().add(FIELDS_HEADER, hs.get(0))
          .add(FIELDS_HEADER, edited);
      assertEquals(Reason.TAMPERED, assertThrows(EnvelopeException.class,
          () -> read(d, "orders", new Sent(pathDropped, sent.value))).reason());
      // a header of another record of the same data key
      Sent other = send(s, "orders", order("o-2", SSN));
      Headers mixed = new RecordHeaders().add(FIELDS_HEADER, hs.get(0))
          .add(FIELDS_HEADER, other.headers.headers(FIELDS_HEADER).iterator().next().value());
      assertThrows(EnvelopeException.class, () -> read(d, "orders", new Sent(mixed,
          sent.value)));
      // all headers dropped: a record without envelope, refused by the plaintext policy
      assertEquals(Reason.PLAINTEXT_REJECTED, assertThrows(EnvelopeException.class,
          () -> read(d, "orders", new Sent(new RecordHeaders(), sent.value))).reason());
    }
  }

  @Test
  void aCiphertextCopiedToAnotherFieldRecordOrTopicFails() {
    try (EncryptingSerializer<Object> s = serializer(producer());
        DecryptingDeserializer<Object> d = deserializer(producer())) {
      Sent a = send(s, "orders", order("o-1", SSN));
      Sent b = send(s, "orders", order("o-2", "999-99-" + MARKER));
      assertEquals(a.fieldHeaders().get(0).dekIdHex(), b.fieldHeaders().get(0).dekIdHex(),
          "same data key: only the binding tells the records apart");
      // another element of the same field
      Map<String, Object> swapped = a.sealed();
      Object first = at(swapped, "lines", "0", "address");
      put(swapped, at(swapped, "lines", "1", "address"), "lines", "0", "address");
      put(swapped, first, "lines", "1", "address");
      assertEquals(Reason.TAMPERED, assertThrows(EnvelopeException.class,
          () -> read(d, "orders", a.withValue(swapped))).reason());
      // another field
      Map<String, Object> moved = a.sealed();
      put(moved, at(moved, "lines", "0", "address"), "customer", "ssn");
      assertEquals(Reason.TAMPERED, assertThrows(EnvelopeException.class,
          () -> read(d, "orders", a.withValue(moved))).reason());
      // another record under the same data key
      Map<String, Object> fromB = a.sealed();
      put(fromB, at(b.sealed(), "customer", "ssn"), "customer", "ssn");
      assertEquals(Reason.TAMPERED, assertThrows(EnvelopeException.class,
          () -> read(d, "orders", a.withValue(fromB))).reason());
      // the whole record read from another topic
      assertEquals(Reason.TOPIC_MISMATCH, assertThrows(EnvelopeException.class,
          () -> read(d, "payments", a)).reason());
      // a field copied into a record of another topic
      Sent c = send(s, "payments", order("o-3", SSN));
      Map<String, Object> fromOrders = c.sealed();
      put(fromOrders, at(a.sealed(), "customer", "ssn"), "customer", "ssn");
      assertEquals(Reason.TAMPERED, assertThrows(EnvelopeException.class,
          () -> read(d, "payments", c.withValue(fromOrders))).reason());
      assertEquals(order("o-3", SSN), read(d, "payments", c));
    }
  }

  private Map<String, Object> twoTeams() {
    return with(producer(), "envelope.fields.kek.PII", "kek-pii",
        "envelope.fields.tags", "PII");
  }

  private static final FieldFormat TAGGED = new MapFieldFormat(Set.of(),
      Map.of("customer.ssn", Set.of("PII", "other")));

  /** A reader that trusts only kek-1 (not the PII KEK). */
  private Map<String, Object> reader(String unreadable) {
    Map<String, Object> m = TestConfigs.base(kmsName);
    m.put("envelope.fields.unreadable", unreadable);
    return m;
  }

  private static DecryptingDeserializer<Object> taggedDeserializer(Map<String, Object> c) {
    DecryptingDeserializer<Object> d =
        new DecryptingDeserializer<>(new MapFieldFormat.De(), TAGGED) {};
    d.configure(c, false);
    return d;
  }

  @Test
  void aFieldUnderAKekTheReaderMayNotUseFailsIsNulledOrKeptWithoutAnyKmsCall() {
    Sent sent;
    try (EncryptingSerializer<Object> s = serializer(twoTeams(), TAGGED)) {
      sent = send(s, "orders", order("o-1", SSN));
      assertEquals(2, sent.fieldHeaders().size(), "the PII tag chose kek-pii for the ssn");
    }
    kms.resetCounters();
    try (DecryptingDeserializer<Object> d = taggedDeserializer(reader("fail"))) {
      EnvelopeException e = assertThrows(EnvelopeException.class,
          () -> read(d, "orders", sent));
      assertEquals(Reason.KEK_NOT_ALLOWED, e.reason());
      assertEquals("kek-pii", e.kekId());
      assertEquals(0, kms.unwrapCalls(), "refused before any KMS call");
    }
    try (DecryptingDeserializer<Object> d = taggedDeserializer(reader("null"))) {
      Object r = read(d, "orders", sent);
      assertNull(at(r, "customer", "ssn"));
      assertEquals("Ann", at(r, "customer", "name"));
      assertEquals(order("o-1", SSN).get("lines"), at(r, "lines"), "readable fields decrypted");
      assertEquals(1, kms.unwrapCalls(), "only kek-1's data key");
    }
    try (DecryptingDeserializer<Object> d = taggedDeserializer(reader("keep"))) {
      Object r = read(d, "orders", sent);
      assertArrayEquals((byte[]) at(sent.sealed(), "customer", "ssn"),
          (byte[]) at(r, "customer", "ssn"));
    }
    // the team with both KEKs reads everything
    try (DecryptingDeserializer<Object> d = taggedDeserializer(twoTeams())) {
      assertEquals(order("o-1", SSN), read(d, "orders", sent));
    }
    try (DecryptingDeserializer<Object> d = taggedDeserializer(with(reader("fail"),
        "envelope.kek.allowed.ids", "kek-pii"))) {
      assertEquals(order("o-1", SSN), read(d, "orders", sent));
    }
  }

  @Test
  void aKmsThatDeniesTheKeyIsUnreadableToo() {
    Sent sent;
    try (EncryptingSerializer<Object> s = serializer(twoTeams(), TAGGED)) {
      sent = send(s, "orders", order("o-1", SSN));
    }
    kms.failUnwrapWith(io.kafkaenvelope.kms.KmsException.Reason.ACCESS_DENIED);
    try (DecryptingDeserializer<Object> d = taggedDeserializer(with(twoTeams(),
        "envelope.fields.unreadable", "fail"))) {
      assertEquals(Reason.ACCESS_DENIED, assertThrows(EnvelopeException.class,
          () -> read(d, "orders", sent)).reason());
    }
    try (DecryptingDeserializer<Object> d = taggedDeserializer(with(twoTeams(),
        "envelope.fields.unreadable", "null"))) {
      Object r = read(d, "orders", sent);
      assertNull(at(r, "customer", "ssn"), "the KMS denied both keys");
      assertNull(at(r, "lines", "0", "address"));
      assertEquals("Ann", at(r, "customer", "name"));
    }
  }

  private Map<String, Object> deterministicSsn() {
    return with(producer(), "envelope.fields", "customer.ssn",
        "envelope.fields.mode.customer.ssn", "deterministic");
  }

  @Test
  void deterministicFieldsMatchAcrossSerializersWithinTheirScope() {
    Map<String, Object> shared = with(deterministicSsn(), "envelope.fields.scope.customer.ssn",
        "customers");
    try (EncryptingSerializer<Object> a = serializer(deterministicSsn());
        EncryptingSerializer<Object> b = serializer(deterministicSsn());
        EncryptingSerializer<Object> sa = serializer(shared);
        EncryptingSerializer<Object> sb = serializer(with(shared,
            "envelope.fields.scope.customer.ssn", "customers-2"));
        DecryptingDeserializer<Object> d = deserializer(shared)) {
      byte[] x = (byte[]) at(send(a, "orders", order("o-1", SSN)).sealed(), "customer", "ssn");
      assertArrayEquals(x, (byte[]) at(send(b, "orders", order("o-2", SSN)).sealed(),
          "customer", "ssn"), "another serializer, another record: same ciphertext");
      assertFalse(java.util.Arrays.equals(x, (byte[]) at(send(a, "payments",
          order("o-1", SSN)).sealed(), "customer", "ssn")), "default scope: per topic");
      Sent inOrders = send(sa, "orders", order("o-1", SSN));
      Sent inPayments = send(sa, "payments", order("o-9", SSN));
      byte[] y = (byte[]) at(inOrders.sealed(), "customer", "ssn");
      assertArrayEquals(y, (byte[]) at(inPayments.sealed(), "customer", "ssn"),
          "a shared scope: equal across topics");
      assertFalse(java.util.Arrays.equals(x, y));
      assertFalse(java.util.Arrays.equals(y, (byte[]) at(send(sb, "orders",
          order("o-1", SSN)).sealed(), "customer", "ssn")), "another scope differs");
      assertFalse(contains(y, MARKER));
      assertEquals(order("o-1", SSN), read(d, "orders", inOrders));
      assertEquals(order("o-9", SSN), read(d, "payments", inPayments));
      assertEquals(4, kms.deriveCalls(), "one derivation per (KEK, scope): orders, payments, "
          + "customers, customers-2");
    }
  }

  @Test
  void aDeterministicFieldFromAnotherScopeOrTamperedFails() {
    try (EncryptingSerializer<Object> s = serializer(with(deterministicSsn(),
        "envelope.fields.scope.customer.ssn", "customers"));
        DecryptingDeserializer<Object> strict = deserializer(deterministicSsn())) {
      Sent sent = send(s, "orders", order("o-1", SSN));
      EnvelopeException e = assertThrows(EnvelopeException.class,
          () -> read(strict, "orders", sent));
      assertEquals(Reason.TOPIC_MISMATCH, e.reason(), "a scope the reader does not accept");
    }
    try (EncryptingSerializer<Object> s = serializer(deterministicSsn());
        DecryptingDeserializer<Object> d = deserializer(deterministicSsn())) {
      Sent sent = send(s, "orders", order("o-1", SSN));
      byte[] ct = (byte[]) at(sent.sealed(), "customer", "ssn");
      for (int i = 0; i < ct.length; i++) {
        Map<String, Object> sealed = sent.sealed();
        byte[] changed = ct.clone();
        changed[i] ^= 0x01;
        put(sealed, changed, "customer", "ssn");
        assertThrows(EnvelopeException.class, () -> read(d, "orders", sent.withValue(sealed)),
            "byte " + i);
      }
      assertEquals(order("o-1", SSN), read(d, "orders", sent));
    }
  }

  @Test
  void recordAndFieldModeMixOnOneTopicAndTheReaderNeedsNoSetting() {
    try (EncryptingSerializer<Object> fields = serializer(producer());
        EncryptingSerializer<Object> whole = new EncryptingSerializer<>(
            new MapFieldFormat.Ser());
        DecryptingDeserializer<Object> d = deserializer(TestConfigs.base(kmsName))) {
      whole.configure(TestConfigs.base(kmsName), false);
      Sent a = send(fields, "orders", order("o-1", SSN));
      Sent b = send(whole, "orders", order("o-2", SSN));
      assertNotNullHeader(b.headers, "kafka-envelope.value");
      assertEquals(order("o-1", SSN), read(d, "orders", a));
      assertEquals(order("o-2", SSN), read(d, "orders", b));
    }
  }

  private static void assertNotNullHeader(Headers h, String name) {
    assertTrue(h.lastHeader(name) != null, name);
  }

  @Test
  void aReaderWithoutAFormatRefusesFieldRecordsNamingWhatToUse() {
    try (EncryptingSerializer<Object> s = serializer(producer());
        DecryptingDeserializer<Object> plain = new DecryptingDeserializer<>(
            new MapFieldFormat.De())) {
      plain.configure(TestConfigs.base(kmsName), false);
      Sent sent = send(s, "orders", order("o-1", SSN));
      EnvelopeException e = assertThrows(EnvelopeException.class,
          () -> plain.deserialize("orders", copy(sent.headers), sent.value));
      assertEquals(Reason.MISCONFIGURED, e.reason());
      assertTrue(e.getMessage().contains("serde-avro"), e.getMessage());
    }
  }

  @Test
  void fieldModeWithoutHeadersFailsAndSendsNothing() {
    try (EncryptingSerializer<Object> s = serializer(producer())) {
      EnvelopeException e = assertThrows(EnvelopeException.class,
          () -> s.serialize("orders", order("o-1", SSN)));
      assertEquals(Reason.MISCONFIGURED, e.reason());
      assertTrue(e.getMessage().contains("record headers"), e.getMessage());
      assertFalse(e.getMessage().contains(MARKER));
    }
  }

  @Test
  void aConfiguredPatternTheRecordLacksFailsTheSend() {
    try (EncryptingSerializer<Object> s = serializer(with(producer(), "envelope.fields",
        "customer.passport"))) {
      Headers h = new RecordHeaders();
      EnvelopeException e = assertThrows(EnvelopeException.class,
          () -> s.serialize("orders", h, order("o-1", SSN)));
      assertEquals(Reason.MISCONFIGURED, e.reason());
      assertTrue(e.getMessage().contains("customer.passport"), e.getMessage());
      assertFalse(h.iterator().hasNext(), "no header written");
    }
  }

  /** Configuring a serializer with {@code kv} on top of {@link #producer} names {@code setting}. */
  private void assertRefused(String setting, String... kv) {
    ConfigException e = assertThrows(ConfigException.class,
        () -> serializer(with(producer(), kv)).close());
    assertTrue(e.getMessage().contains(setting), e.getMessage());
  }

  @Test
  void settingsAreCheckedAtConfigureNamingTheSetting() {
    assertRefused("envelope.fields", "envelope.fields", "customer..ssn");
    assertRefused("envelope.fields", "envelope.fields", "lines[0].address");
    assertRefused("envelope.fields", "envelope.fields", "customer ssn");
    assertRefused("envelope.framing", "envelope.framing", "inline");
    assertRefused("envelope.compression.type", "envelope.compression.type", "gzip");
    assertRefused("envelope.clear.prefix", "envelope.clear.prefix", "schema-id-4");
    assertRefused("envelope.fields.mode.customer.ssn", "envelope.fields.mode.customer.ssn", "fast");
    assertRefused("envelope.fields.kek.PII x", "envelope.fields.kek.PII x", "k");
    assertRefused("envelope.fields.kek.customer.ssn", "envelope.fields.kek.customer.ssn",
        "k-${topic}");
    assertRefused("envelope.fields.scope.customer.ssn", "envelope.kek.id", "",
        "envelope.kek.id.template", "k-${topic}", "envelope.fields.scope.customer.ssn", "s");
    ConfigException e = assertThrows(ConfigException.class, () -> {
      try (EncryptingSerializer<Object> s = new EncryptingSerializer<>(
          new MapFieldFormat.Ser())) {
        s.configure(producer(), false);
      }
    });
    assertTrue(e.getMessage().contains("serde-avro"), e.getMessage());
  }

  @Test
  void recordKeysCanBeEncryptedFieldByFieldUnderTheirOwnHeaderName() {
    Map<String, Object> p = with(producer(), "envelope.key.fields", "customer.ssn");
    try (EncryptingSerializer<Object> s = new EncryptingSerializer<>(new MapFieldFormat.Ser(),
        FORMAT) {};
        DecryptingDeserializer<Object> d = new DecryptingDeserializer<>(new MapFieldFormat.De(),
            FORMAT) {};
        DecryptingDeserializer<Object> asValue = deserializer(p)) {
      s.configure(p, true);
      d.configure(p, true);
      Headers h = new RecordHeaders();
      byte[] key = s.serialize("orders", h, order("k-1", SSN));
      assertTrue(h.lastHeader("kafka-envelope.key.fields") != null);
      assertNull(h.lastHeader(FIELDS_HEADER));
      assertFalse(contains(key, "123-45-6789"), "the key field is encrypted");
      assertEquals(order("k-1", SSN).get("customer"), at(d.deserialize("orders", h, key),
          "customer"));
      // a key's field header moved to the value's name: the role is authenticated
      Headers moved = new RecordHeaders().add(FIELDS_HEADER,
          h.lastHeader("kafka-envelope.key.fields").value());
      assertEquals(Reason.TAMPERED, assertThrows(EnvelopeException.class,
          () -> asValue.deserialize("orders", moved, key)).reason());
    }
  }

  private static final MBeanServer JMX = ManagementFactory.getPlatformMBeanServer();

  private static double metric(String group, String clientId, String metric, String tags)
      throws Exception {
    return ((Number) JMX.getAttribute(new ObjectName("kafka.envelope:type=" + group
        + ",client-id=" + clientId + ",role=value" + tags), metric)).doubleValue();
  }

  @Test
  void recordsFailuresAndKmsCallsAreCountedAsInRecordMode() throws Exception {
    String p = "field-p-" + kmsName;
    String c = "field-c-" + kmsName;
    try (EncryptingSerializer<Object> s = serializer(with(producer(), "client.id", p));
        DecryptingDeserializer<Object> d = deserializer(with(producer(), "client.id", c))) {
      Sent sent = null;
      for (int i = 0; i < 3; i++) {
        sent = send(s, "orders", order("o-" + i, SSN));
        read(d, "orders", sent);
      }
      Sent last = sent;
      assertThrows(EnvelopeException.class, () -> read(d, "payments", last));
      String sg = "kafka-envelope-serializer-metrics";
      String dg = "kafka-envelope-deserializer-metrics";
      assertEquals(3, metric(sg, p, "records-encrypted-total", ""));
      assertEquals(1, metric(sg, p, "kms-calls-total", ",operation=generate,outcome=success"));
      assertEquals(3, metric(dg, c, "records-decrypted-total", ""));
      double fieldBytes = metric(sg, p, "bytes-encrypted-total", "");
      assertTrue(fieldBytes > 0 && fieldBytes < last.value.length * 3, "the fields' encodings");
      assertEquals(fieldBytes, metric(dg, c, "bytes-decrypted-total", ""));
      assertEquals(1, metric(dg, c, "failures-total", ",reason=TOPIC_MISMATCH"));
      assertEquals(1, metric(dg, c, "kms-calls-total", ",operation=unwrap,outcome=success"));
    }
  }
}
