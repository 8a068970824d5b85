package io.kafkaenvelope.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kafkaenvelope.kms.local.LocalKms;
import io.kafkaenvelope.serde.EncryptingSerializer;
import io.kafkaenvelope.testing.KafkaExtension;
import io.kafkaenvelope.testing.TestClients;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 18: {@code inspect}, {@code decrypt}, {@code verify} and per-tenant KEKs, end to end
 * through the real embedded broker with the local KMS; the CLI runs in this JVM as
 * {@code java -jar} would run it (same entry point, output captured).
 */
class CliEndToEndTest {

  @RegisterExtension static final KafkaExtension KAFKA = new KafkaExtension();

  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  private Path keys() {
    return dir.resolve("keys");
  }

  /** Client settings with the local KMS and {@code kek} (or a template). */
  private Map<String, Object> envelope(String kekSetting, String kek) {
    Map<String, Object> m = new HashMap<>();
    m.put("envelope.kms.type", "local");
    m.put("envelope.kms.local.keyset.dir", keys().toString());
    m.put("envelope.inner.serializer", StringSerializer.class.getName());
    m.put("envelope.inner.deserializer",
        "org.apache.kafka.common.serialization.StringDeserializer");
    m.put(kekSetting, kek);
    return m;
  }

  /** The properties file an operator hands the CLI: the consumer's. */
  private String configFile(Map<String, Object> envelope) throws Exception {
    return Cli.configFile(dir, KAFKA.broker(), envelope);
  }

  private KafkaProducer<String, String> producer(Map<String, Object> envelope) {
    return new KafkaProducer<>(TestClients.producerConfig(KAFKA.broker(), envelope,
        EncryptingSerializer.class.getName()));
  }

  private KafkaProducer<byte[], byte[]> rawProducer() {
    Map<String, Object> m = TestClients.producerConfig(KAFKA.broker(), Map.of(),
        ByteArraySerializer.class.getName());
    m.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    return new KafkaProducer<>(m);
  }

  private static List<JsonNode> jsonLines(String out) throws Exception {
    List<JsonNode> lines = new ArrayList<>();
    for (String line : out.split("\n")) {
      if (!line.isBlank()) {
        lines.add(JSON.readTree(line));
      }
    }
    return lines;
  }

  @Test
  void inspectCountsMatchWhatWasProducedAcrossAKekRotation() throws Exception {
    String topic = TestClients.unique("inspect");
    KAFKA.broker().createTopic(topic, 2);
    LocalKms.create(keys(), "kek-a");
    Map<String, Object> env = envelope("envelope.kek.id", "kek-a");
    List<Future<RecordMetadata>> sends = new ArrayList<>();
    try (KafkaProducer<String, String> p = producer(env)) {
      for (int i = 0; i < 300; i++) {
        sends.add(p.send(new ProducerRecord<>(topic, "k" + i, "before rotation " + i)));
      }
      TestClients.assertAllAcked(sends);
    }
    String v1 = LocalKms.list(keys()).get(0).primaryVersion();
    LocalKms.rotate(keys(), "kek-a");
    String v2 = LocalKms.list(keys()).get(0).primaryVersion();
    assertNotEquals(v1, v2);
    sends.clear();
    try (KafkaProducer<String, String> p = producer(env)) { // a new client sees the new version
      for (int i = 0; i < 200; i++) {
        sends.add(p.send(new ProducerRecord<>(topic, "k" + i, "after rotation " + i)));
      }
      TestClients.assertAllAcked(sends);
    }
    sends.clear();
    Map<String, Object> inline = new HashMap<>(env);
    inline.put("envelope.framing", "inline");
    inline.put("envelope.compression.type", "gzip");
    try (KafkaProducer<String, String> p = producer(inline)) { // version 3, framed inline
      for (int i = 0; i < 20; i++) {
        sends.add(p.send(new ProducerRecord<>(topic, "k" + i, "compressible ".repeat(40) + i)));
      }
      TestClients.assertAllAcked(sends);
    }
    sends.clear();
    try (KafkaProducer<byte[], byte[]> raw = rawProducer()) {
      for (int i = 0; i < 50; i++) {
        sends.add(raw.send(new ProducerRecord<>(topic, i % 2, null,
            ("plain " + i).getBytes(StandardCharsets.UTF_8))));
      }
      TestClients.assertAllAcked(sends);
    }

    // no KMS settings at all: inspect reads envelope headers only
    Cli.Result r = Cli.run("inspect", topic, "--bootstrap-server",
        KAFKA.broker().bootstrapServers(), "--json");
    assertEquals(0, r.code(), r.toString());
    JsonNode report = JSON.readTree(r.out());
    assertEquals(570, report.get("records").asLong());
    JsonNode value = report.get("value");
    assertEquals(500, value.get("framing").get("header").asLong());
    assertEquals(20, value.get("framing").get("inline").asLong());
    assertEquals(50, value.get("framing").get("plaintext").asLong());
    assertEquals(500, value.get("formatVersions").get("1").asLong());
    assertEquals(20, value.get("formatVersions").get("3").asLong());
    assertEquals(500, value.get("codecs").get("none").asLong());
    assertEquals(20, value.get("codecs").get("gzip").asLong());
    JsonNode keks = value.get("keks");
    assertEquals(2, keks.size(), keks.toString());
    Map<String, JsonNode> byVersion = new HashMap<>();
    keks.forEach(k -> byVersion.put(k.get("kekVersion").asText(), k));
    assertEquals(300, byVersion.get(v1).get("records").asLong());
    assertEquals(220, byVersion.get(v2).get("records").asLong());
    assertEquals("kek-a", byVersion.get(v1).get("kekId").asText());
    assertEquals(1, byVersion.get(v1).get("deks").size(), "one producer, one DEK");
    assertEquals(2, byVersion.get(v2).get("deks").size(), "two producers after the rotation");
    assertNotEquals(byVersion.get(v1).get("deks").fieldNames().next(),
        byVersion.get(v2).get("deks").fieldNames().next());
    // per partition, every record of the old version precedes the new version's
    long partitionTotal = 0;
    for (JsonNode p : report.get("partitions")) {
      partitionTotal += p.get("records").asLong();
    }
    assertEquals(570, partitionTotal);
    for (JsonNode o1 : byVersion.get(v1).get("offsets")) {
      for (JsonNode o2 : byVersion.get(v2).get("offsets")) {
        if (o1.get("partition").asInt() == o2.get("partition").asInt()) {
          assertTrue(o1.get("lastOffset").asLong() < o2.get("firstOffset").asLong());
        }
      }
    }
    assertTrue(byVersion.get(v1).get("firstTimestamp").asText()
        .compareTo(byVersion.get(v2).get("lastTimestamp").asText()) <= 0);

    Cli.Result text = Cli.run("inspect", topic, "--bootstrap-server",
        KAFKA.broker().bootstrapServers());
    assertEquals(0, text.code(), text.toString());
    assertTrue(text.out().contains("KEK 'kek-a' version " + v1 + ": 300 records, 1 DEK"),
        text.out());
    assertTrue(text.out().contains("KEK 'kek-a' version " + v2 + ": 220 records, 2 DEKs"),
        text.out());
    assertTrue(text.out().contains("v1 500 v3 20"), text.out());
    assertTrue(text.out().contains("plaintext 50"), text.out());
    assertFalse(text.out().contains("before rotation"), "no record contents");

    // a range of one partition
    Cli.Result range = Cli.run("inspect", topic, "--bootstrap-server",
        KAFKA.broker().bootstrapServers(), "--json", "--partition", "1", "--from", "10", "--to",
        "30");
    assertEquals(0, range.code(), range.toString());
    JsonNode part = JSON.readTree(range.out());
    assertEquals(20, part.get("records").asLong());
    assertEquals(1, part.get("partitions").size());
    assertEquals(10, part.get("partitions").get(0).get("firstOffset").asLong());
    assertEquals(29, part.get("partitions").get(0).get("lastOffset").asLong());

    Cli.Result noTopic = Cli.run("inspect", "no-such-topic", "--bootstrap-server",
        KAFKA.broker().bootstrapServers());
    assertEquals(ExitCode.RUNTIME, noTopic.code(), noTopic.toString());
    assertTrue(noTopic.err().contains("'no-such-topic' does not exist"), noTopic.toString());
    Cli.Result noPartition = Cli.run("inspect", topic, "--bootstrap-server",
        KAFKA.broker().bootstrapServers(), "--partition", "7");
    assertEquals(ExitCode.USAGE, noPartition.code(), noPartition.toString());
    assertTrue(noPartition.err().contains("no partition 7"), noPartition.toString());
  }

  @Test
  void decryptPrintsExactlyWhatWasSent() throws Exception {
    String topic = TestClients.unique("decrypt");
    KAFKA.broker().createTopic(topic, 1);
    Map<String, Object> env = envelope("envelope.kek.id", "orders");
    env.put("envelope.kms.local.create.missing", "true");
    List<String> values = new ArrayList<>();
    try (KafkaProducer<String, String> p = producer(env)) {
      for (int i = 0; i < 40; i++) {
        String v = "order " + i + " \u00e9\u2713 {\"amount\": " + (i * 7) + "}";
        values.add(v);
        ProducerRecord<String, String> rec = new ProducerRecord<>(topic, "key-" + i, v);
        rec.headers().add("trace", ("t-" + i).getBytes(StandardCharsets.UTF_8));
        p.send(rec).get();
      }
    }
    String config = configFile(env);

    Cli.Result text = Cli.run("decrypt", topic, "--config", config);
    assertEquals(0, text.code(), text.toString());
    assertEquals(values, List.of(text.out().split("\n")));

    Cli.Result json = Cli.run("decrypt", topic, "--config", config, "--json");
    assertEquals(0, json.code(), json.toString());
    List<JsonNode> lines = jsonLines(json.out());
    assertEquals(40, lines.size());
    for (int i = 0; i < 40; i++) {
      JsonNode l = lines.get(i);
      assertEquals(i, l.get("offset").asLong());
      assertEquals(0, l.get("partition").asInt());
      assertEquals("key-" + i, l.get("key").asText());
      assertEquals(values.get(i), l.get("value").asText());
      assertEquals("t-" + i, l.get("headers").get("trace").asText());
      assertFalse(l.get("headers").has("kafka-envelope.value"));
    }

    Cli.Result some = Cli.run("decrypt", topic, "--config", config, "--from", "5",
        "--max-records", "3", "--print-key", "--print-offset");
    assertEquals(0, some.code(), some.toString());
    assertEquals(List.of("0:5\tkey-5\t" + values.get(5), "0:6\tkey-6\t" + values.get(6),
        "0:7\tkey-7\t" + values.get(7)), List.of(some.out().split("\n")));

    // a reader that does not accept the KEK: typed failures, exit 1, nothing decrypted printed
    // (its own KEK exists: the start-up check would refuse a missing one with exit 3)
    LocalKms.create(keys(), "another-kek");
    Map<String, Object> other = envelope("envelope.kek.id", "another-kek");
    Cli.Result refused = Cli.run("decrypt", topic, "--config", configFile(other));
    assertEquals(ExitCode.RECORD_FAILURES, refused.code(), refused.toString());
    assertTrue(refused.err().contains("partition 0 offset 0 (value): KEK_NOT_ALLOWED"),
        refused.toString());
    assertTrue(refused.out().isEmpty(), refused.out());
    assertFalse(refused.toString().contains("order 1"));
  }

  @Test
  void encryptedKeysAreDecryptedAndVerifiedToo() throws Exception {
    String topic = TestClients.unique("keys");
    KAFKA.broker().createTopic(topic, 1);
    Map<String, Object> env = envelope("envelope.kek.id", "keyed");
    env.put("envelope.kms.local.create.missing", "true");
    Map<String, Object> config = TestClients.producerConfig(KAFKA.broker(), env,
        EncryptingSerializer.class.getName());
    config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, EncryptingSerializer.class.getName());
    try (KafkaProducer<String, String> p = new KafkaProducer<>(config)) {
      for (int i = 0; i < 10; i++) {
        p.send(new ProducerRecord<>(topic, "secret-key-" + i, "value " + i)).get();
      }
    }
    String file = configFile(env);
    Cli.Result dec = Cli.run("decrypt", topic, "--config", file, "--json");
    assertEquals(0, dec.code(), dec.toString());
    List<JsonNode> lines = jsonLines(dec.out());
    assertEquals(10, lines.size());
    for (int i = 0; i < 10; i++) {
      assertEquals("secret-key-" + i, lines.get(i).get("key").asText());
      assertEquals("value " + i, lines.get(i).get("value").asText());
    }
    Cli.Result ver = Cli.run("verify", topic, "--config", file, "--json");
    assertEquals(0, ver.code(), ver.toString());
    JsonNode result = JSON.readTree(ver.out());
    assertEquals(10, result.get("encryptedKeys").asLong());
    assertEquals(0, result.get("failed").asLong());
    Cli.Result ins = Cli.run("inspect", topic, "--config", file, "--json");
    assertEquals(10, JSON.readTree(ins.out()).get("key").get("framing").get("header").asLong(),
        ins.out());
  }

  @Test
  void verifyNamesTheOneTamperedRecordAmongTenThousand() throws Exception {
    String topic = TestClients.unique("verify");
    KAFKA.broker().createTopic(topic, 1);
    Map<String, Object> env = envelope("envelope.kek.id", "ledger");
    env.put("envelope.kms.local.create.missing", "true");
    int tampered = 7_777;
    List<Future<RecordMetadata>> sends = new ArrayList<>();
    try (EncryptingSerializer<String> ser = new EncryptingSerializer<>();
        KafkaProducer<byte[], byte[]> raw = rawProducer()) {
      ser.configure(env, false);
      for (int i = 0; i < 10_000; i++) {
        RecordHeaders h = new RecordHeaders();
        byte[] v = ser.serialize(topic, h, "entry " + i);
        if (i == tampered) {
          v[v.length - 1] ^= 1; // one bit of the GCM tag
        }
        sends.add(raw.send(new ProducerRecord<>(topic, 0, null, null, v, h)));
      }
      TestClients.assertAllAcked(sends);
    }
    String config = configFile(env);

    Cli.Result r = Cli.run("verify", topic, "--config", config);
    assertEquals(ExitCode.RECORD_FAILURES, r.code(), r.toString());
    assertTrue(r.out().contains("FAILED partition 0 offset 7777 (value): TAMPERED"), r.out());
    assertTrue(r.out().contains("10,000 records verified: 9,999 ok, 1 failed"), r.out());
    assertEquals(1, r.out().lines().filter(l -> l.startsWith("FAILED partition")).count());
    assertTrue(r.err().contains("100%"), "a progress bar on stderr: " + r.err());
    assertFalse(r.out().contains("entry "), "no record contents");

    Cli.Result json = Cli.run("verify", topic, "--config", config, "--json", "--quiet");
    assertEquals(ExitCode.RECORD_FAILURES, json.code(), json.toString());
    JsonNode result = JSON.readTree(json.out());
    assertEquals(10_000, result.get("records").asLong());
    assertEquals(1, result.get("failed").asLong());
    assertEquals(7_777, result.get("failures").get(0).get("offset").asLong());
    assertEquals("TAMPERED", result.get("failures").get(0).get("reason").asText());
    assertTrue(json.err().isEmpty(), json.err());

    Cli.Result after = Cli.run("verify", topic, "--config", config, "--from", "7778");
    assertEquals(0, after.code(), after.toString());
    assertTrue(after.out().startsWith("OK: 2,222 records verified"), after.out());
  }

  @Test
  void perTenantKeksOneDisabledFailsTypedWhileTheOthersDecrypt() throws Exception {
    String topic = TestClients.unique("tenants");
    KAFKA.broker().createTopic(topic, 1);
    Map<String, Object> env = envelope("envelope.kek.id.template", "tenant-${header:tenant}");
    env.put("envelope.kms.local.create.missing", "true");
    List<String> tenants = List.of("acme", "globex", "initech");
    List<Future<RecordMetadata>> sends = new ArrayList<>();
    try (KafkaProducer<String, String> p = producer(env)) {
      for (int i = 0; i < 90; i++) {
        String tenant = tenants.get(i % 3);
        ProducerRecord<String, String> rec = new ProducerRecord<>(topic, tenant + "-" + i,
            "for " + tenant + " " + i);
        rec.headers().add("tenant", tenant.getBytes(StandardCharsets.UTF_8));
        sends.add(p.send(rec));
      }
      TestClients.assertAllAcked(sends);
    }
    // two acme records whose tenant header is gone or hostile on the topic
    sends.clear();
    try (EncryptingSerializer<String> ser = new EncryptingSerializer<>();
        KafkaProducer<byte[], byte[]> raw = rawProducer()) {
      ser.configure(env, false);
      for (String forged : new String[] {null, "../acme"}) {
        RecordHeaders h = new RecordHeaders();
        h.add("tenant", "acme".getBytes(StandardCharsets.UTF_8));
        byte[] v = ser.serialize(topic, h, "stray");
        h.remove("tenant");
        if (forged != null) {
          h.add("tenant", forged.getBytes(StandardCharsets.UTF_8));
        }
        sends.add(raw.send(new ProducerRecord<>(topic, 0, null, null, v, h)));
      }
      TestClients.assertAllAcked(sends);
    }
    assertEquals(3, LocalKms.list(keys()).size());

    Cli.Result disabled = Cli.run("keys", "disable", "tenant-globex", "--dir",
        keys().toString());
    assertEquals(0, disabled.code(), disabled.toString());
    String config = configFile(env);

    Cli.Result dec = Cli.run("decrypt", topic, "--config", config, "--json");
    assertEquals(ExitCode.RECORD_FAILURES, dec.code(), dec.toString());
    Map<String, Integer> ok = new HashMap<>();
    Map<String, Integer> failed = new HashMap<>();
    for (JsonNode l : jsonLines(dec.out())) {
      if (l.has("error")) {
        failed.merge(l.get("error").get("reason").asText(), 1, Integer::sum);
        assertFalse(l.has("value"));
      } else {
        String tenant = l.get("headers").get("tenant").asText();
        assertTrue(l.get("value").asText().startsWith("for " + tenant + " "), l.toString());
        ok.merge(tenant, 1, Integer::sum);
      }
    }
    assertEquals(Map.of("acme", 30, "initech", 30), ok);
    assertEquals(Map.of("KEY_DISABLED", 30, "KEK_HEADER_INVALID", 2), failed);

    Cli.Result ver = Cli.run("verify", topic, "--config", config, "--json");
    assertEquals(ExitCode.RECORD_FAILURES, ver.code(), ver.toString());
    JsonNode result = JSON.readTree(ver.out());
    assertEquals(92, result.get("records").asLong());
    assertEquals(32, result.get("failed").asLong());
    assertEquals(30, result.get("failuresByReason").get("KEY_DISABLED").asLong());
    assertEquals(2, result.get("failuresByReason").get("KEK_HEADER_INVALID").asLong());
    assertEquals(30, result.get("failuresByKek").get("tenant-globex").asLong());
    assertFalse(ver.out().contains("../acme"), "hostile header values are not echoed");

    Cli.Result ins = Cli.run("inspect", topic, "--config", config, "--json");
    assertEquals(0, ins.code(), ins.toString());
    Map<String, Long> perKek = new HashMap<>();
    JSON.readTree(ins.out()).get("value").get("keks")
        .forEach(k -> perKek.put(k.get("kekId").asText(), k.get("records").asLong()));
    assertEquals(Map.of("tenant-acme", 32L, "tenant-globex", 30L, "tenant-initech", 30L),
        perKek);

    // enabling it again makes the tenant readable again: disable is not erasure
    assertEquals(0, Cli.run("keys", "enable", "tenant-globex", "--dir", keys().toString())
        .code());
    Cli.Result again = Cli.run("verify", topic, "--config", config, "--json");
    assertEquals(2, JSON.readTree(again.out()).get("failed").asLong(), again.toString());
  }
}
