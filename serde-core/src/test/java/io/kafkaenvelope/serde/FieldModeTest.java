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

  /**
   * envelope.kms.check.on.configure covers the field KEKs: a missing one stops configure() naming
   * its setting; a good one gets its first data key there, kept for the first records (no extra
   * KMS call); with the check off nothing is asked before the first record.
   */
  @Test
  void fieldKeksAreCheckedAtConfigureAndTheirFirstDataKeysKept() {
    String name = TestConfigs.newKmsName();
    InMemoryKms strict = TestConfigs.kms(name).strict().createKek("kek-1")
        .createKek("kek-pii");
    Map<String, Object> p = TestConfigs.base(name);
    p.put("envelope.mode", "field");
    p.put("envelope.fields", "customer.ssn,lines[].address,attrs[]");
    p.put("envelope.fields.kek.customer.ssn", "kek-missing");
    ConfigException e = assertThrows(ConfigException.class, () -> serializer(p, FORMAT));
    assertTrue(e.getMessage().contains("envelope.fields.kek.customer.ssn"), e.getMessage());
    assertTrue(e.getMessage().contains("kek-missing"), e.getMessage());
    assertTrue(e.getMessage().contains("KEY_NOT_FOUND"), e.getMessage());

    p.put("envelope.fields.kek.customer.ssn", "kek-pii");
    strict.resetCounters();
    try (EncryptingSerializer<Object> s = serializer(p, FORMAT)) {
      assertEquals(2, strict.generateCalls(), "the record KEK's and the field KEK's first keys");
      assertTrue(s.health().up(), s.health().reason());
      for (int i = 0; i < 3; i++) {
        send(s, "orders", order("o-" + i, SSN));
      }
      assertEquals(2, strict.generateCalls(), "configure()'s keys served the records");
    }
    p.put("envelope.kms.check.on.configure", "false");
    strict.resetCounters();
    try (EncryptingSerializer<Object> s = serializer(p, FORMAT)) {
      assertEquals(0, strict.generateCalls(), "no check, no KMS call before the first record");
    }
  }

  @Test
  void dataKeysRotateByTheRecordModeLimitsCountingRecordsAndFieldBytes() {
    // a record is one reservation under kek-1 (its header's record nonce, one AES-GCM call for
    // all its random fields), counting the bytes of those fields
    Map<String, Object> p = with(producer(), "envelope.dek.max.records", "2",
        "envelope.fields", "customer.ssn,lines[].address");
    assertEquals(List.of(0, 0, 1, 1, 2, 2), rotations(p, 6));
    // the same rotation by bytes: two records' random fields fill a key
    Map<String, Object> order = order("o-0", SSN);
    int perRecord = MapFieldFormat.encode(SSN).length
        + MapFieldFormat.encode(at(order, "lines", "0", "address")).length
        + MapFieldFormat.encode(at(order, "lines", "1", "address")).length;
    Map<String, Object> bytes = with(producer(), "envelope.dek.max.bytes",
        String.valueOf(2 * perRecord), "envelope.fields", "customer.ssn,lines[].address");
    assertEquals(List.of(0, 0, 1, 1, 2, 2), rotations(bytes, 6));
    // one byte more fits a third record's fields on the first key
    Map<String, Object> more = with(bytes, "envelope.dek.max.bytes",
        String.valueOf(2 * perRecord + 1));
    assertEquals(List.of(0, 0, 0, 1, 1, 1), rotations(more, 6));
  }

  /**
   * Sends {@code n} records (the ids' lengths equal, so every record's fields have the same
   * length) and returns each record's data key as 0, 1, 2... in order of first use; checks each
   * record reads back and one unwrap per key.
   */
  private List<Integer> rotations(Map<String, Object> p, int n) {
    int unwrapsBefore = kms.unwrapCalls();
    try (EncryptingSerializer<Object> s = serializer(p);
        DecryptingDeserializer<Object> d = deserializer(p)) {
      Map<String, Integer> deks = new LinkedHashMap<>();
      List<Integer> keyOf = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        Sent sent = send(s, "orders", order("o-" + i, SSN));
        keyOf.add(deks.computeIfAbsent(sent.fieldHeaders().get(0).dekIdHex(),
            k -> deks.size()));
        assertEquals(order("o-" + i, SSN), read(d, "orders", sent));
      }
      assertEquals(deks.size(), kms.unwrapCalls() - unwrapsBefore, "one unwrap per data key");
      return keyOf;
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
      Map<String, Integer> recordsByDek = new HashMap<>();
      for (Sent sent : all) {
        FieldHeader h = sent.fieldHeaders().get(0);
        recordsByDek.merge(h.dekIdHex(), 1, Integer::sum);
        byte[] hb = h.encodedUnsafe();
        int at = FieldHeader.recordNonceOffset();
        assertTrue(nonces.add(h.dekIdHex() + java.util.HexFormat.of().formatHex(hb, at,
            at + 12)), "record nonce unique under its data key");
        // the record nonce is the only nonce: a random field is its prefix and its slice of
        // the header's one ciphertext, as long as its encoding
        Map<String, Object> sealed = sent.sealed();
        byte[] ssn = (byte[]) at(sealed, "customer", "ssn");
        assertEquals(2 + MapFieldFormat.encode(SSN).length, ssn.length);
        Object back = read(d, "orders", sent);
        assertEquals(order((String) at(back, "id"), SSN), back);
      }
      assertEquals(threads * perThread, all.size());
      assertEquals(threads * perThread, nonces.size());
      // one reservation a record: a key takes at most 37 records
      for (int n : recordsByDek.values()) {
        assertTrue(n <= 37, "records under one data key: " + n);
      }
      assertTrue(recordsByDek.size() >= threads * perThread / 37, "rotated: "
          + recordsByDek.size());
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

  @Test
  void bytesShiftedBetweenAdjacentFieldsOrEqualLengthFieldsSwappedFail() {
    // one KEK: the header's one GCM ciphertext is the concatenation of its random fields
    try (EncryptingSerializer<Object> s = serializer(producer());
        DecryptingDeserializer<Object> d = deserializer(producer())) {
      Sent a = send(s, "orders", order("o-1", SSN));
      List<String> paths = a.fieldHeaders().get(0).paths();
      assertEquals(List.of("customer.ssn", "lines[0].address", "lines[1].address"),
          paths.subList(0, 3), "adjacent in the header's path order");
      // the last byte of ssn's slice moved to the start of lines[0].address's: the
      // concatenation, and so the GCM ciphertext, is unchanged; the lengths list is not
      Map<String, Object> shifted = a.sealed();
      byte[] ssn = (byte[]) at(shifted, "customer", "ssn");
      byte[] addr = (byte[]) at(shifted, "lines", "0", "address");
      byte[] ssn2 = java.util.Arrays.copyOf(ssn, ssn.length - 1);
      byte[] addr2 = new byte[addr.length + 1];
      addr2[0] = addr[0];
      addr2[1] = addr[1];
      addr2[2] = ssn[ssn.length - 1];
      System.arraycopy(addr, 2, addr2, 3, addr.length - 2);
      put(shifted, ssn2, "customer", "ssn");
      put(shifted, addr2, "lines", "0", "address");
      EnvelopeException e = assertThrows(EnvelopeException.class,
          () -> read(d, "orders", a.withValue(shifted)));
      assertEquals(Reason.TAMPERED, e.reason());
      assertFalse(e.getMessage().contains(MARKER));
      // two random fields of equal length swapped (same lengths list, other order)
      Map<String, Object> swapped = a.sealed();
      byte[] l0 = (byte[]) at(swapped, "lines", "0", "address");
      byte[] l1 = (byte[]) at(swapped, "lines", "1", "address");
      assertEquals(l0.length, l1.length);
      put(swapped, l1, "lines", "0", "address");
      put(swapped, l0, "lines", "1", "address");
      assertEquals(Reason.TAMPERED, assertThrows(EnvelopeException.class,
          () -> read(d, "orders", a.withValue(swapped))).reason());
      // every field of another record under the same data key, with this record's header
      Sent b = send(s, "orders", order("o-2", SSN));
      assertEquals(a.fieldHeaders().get(0).dekIdHex(), b.fieldHeaders().get(0).dekIdHex());
      assertEquals(Reason.TAMPERED, assertThrows(EnvelopeException.class,
          () -> read(d, "orders", a.withValue(b.sealed()))).reason());
      assertEquals(order("o-1", SSN), read(d, "orders", a));
    }
  }

  @Test
  void aRandomFieldReplacedByADeterministicFrameOfTheSameScopeAndTheReverseFail() {
    // the same KEK, topic and pattern: lines[].address random for one serializer,
    // deterministic (topic scope) for the other; the reader reads both kinds
    Map<String, Object> random = with(producer(), "envelope.fields", "lines[].address");
    Map<String, Object> det = with(random, "envelope.fields.mode.lines[].address",
        "deterministic");
    try (EncryptingSerializer<Object> rs = serializer(random);
        EncryptingSerializer<Object> ds = serializer(det);
        DecryptingDeserializer<Object> d = deserializer(det)) {
      Sent r = send(rs, "orders", order("o-1", SSN));
      Sent x = send(ds, "orders", order("o-1", SSN));
      assertEquals(order("o-1", SSN), read(d, "orders", r));
      assertEquals(order("o-1", SSN), read(d, "orders", x));
      byte[] frame = (byte[]) at(x.sealed(), "lines", "0", "address");
      byte[] sealedRandom = (byte[]) at(r.sealed(), "lines", "0", "address");
      assertEquals(0x05, sealedRandom[0]);
      assertNotEquals(0x05, frame[0]);
      // a valid frame of the same value, pattern and scope in place of the random field: the
      // frame alone would open, but the header's lengths list marked that path random
      Map<String, Object> toFrame = r.sealed();
      put(toFrame, frame, "lines", "0", "address");
      assertEquals(Reason.TAMPERED, assertThrows(EnvelopeException.class,
          () -> read(d, "orders", r.withValue(toFrame))).reason());
      // the reverse: a random field (0x05, index 0, the frame's length) in place of the frame
      Map<String, Object> toRandom = x.sealed();
      byte[] fake = new byte[frame.length];
      fake[0] = 0x05;
      System.arraycopy(frame, 2, fake, 2, frame.length - 2);
      put(toRandom, fake, "lines", "0", "address");
      assertEquals(Reason.TAMPERED, assertThrows(EnvelopeException.class,
          () -> read(d, "orders", x.withValue(toRandom))).reason());
      // and the random field of the first record itself in place of the frame
      Map<String, Object> moved = x.sealed();
      put(moved, sealedRandom, "lines", "0", "address");
      assertEquals(Reason.TAMPERED, assertThrows(EnvelopeException.class,
          () -> read(d, "orders", x.withValue(moved))).reason());
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
