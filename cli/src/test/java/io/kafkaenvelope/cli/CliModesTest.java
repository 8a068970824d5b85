package io.kafkaenvelope.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kafkaenvelope.kms.local.LocalKms;
import io.kafkaenvelope.serde.EncryptingSerializer;
import io.kafkaenvelope.testing.KafkaExtension;
import io.kafkaenvelope.testing.TestClients;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CLI on every format the library writes, through the real embedded broker with the local
 * KMS: deterministic records (version 4, inline), format version 6 and field-mode JSON records
 * (version 5, one field header per KEK) beside version 1. {@code inspect} must name every KEK a
 * record needs (an operator retires KEKs by its report), {@code verify} and {@code decrypt} open
 * field-mode records through the format's deserializer named in {@code value.deserializer}, and
 * {@code reencrypt} refuses them before writing anything.
 */
class CliModesTest {

  @RegisterExtension static final KafkaExtension KAFKA = new KafkaExtension();

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String JSON_SERIALIZER = "io.kafkaenvelope.json.EncryptingJsonSerializer";
  private static final String JSON_DESERIALIZER =
      "io.kafkaenvelope.json.DecryptingJsonDeserializer";
  private static final String SECRET = "pii-never-in-the-clear-0042";

  @TempDir Path dir;

  @BeforeEach
  void keys() throws Exception {
    LocalKms.create(dir.resolve("keys"), "kek-a");
    LocalKms.create(dir.resolve("keys"), "kek-pii");
  }

  private Map<String, Object> envelope() {
    Map<String, Object> m = new HashMap<>();
    m.put("envelope.kms.type", "local");
    m.put("envelope.kms.local.keyset.dir", dir.resolve("keys").toString());
    m.put("envelope.kek.id", "kek-a");
    m.put("envelope.inner.serializer", StringSerializer.class.getName());
    m.put("envelope.inner.deserializer",
        "org.apache.kafka.common.serialization.StringDeserializer");
    return m;
  }

  private Map<String, Object> fieldEnvelope() {
    Map<String, Object> m = envelope();
    m.remove("envelope.inner.serializer"); // the JSON serializer's own
    m.put("envelope.mode", "field");
    m.put("envelope.fields", "customer.email");
    m.put("envelope.fields.kek.customer.email", "kek-pii");
    return m;
  }

  private String configFile(Map<String, Object> envelope) throws Exception {
    return Cli.configFile(dir, KAFKA.broker(), envelope);
  }

  private <V> void send(Map<String, Object> envelope, String serializer, String topic,
      List<V> values) {
    List<Future<RecordMetadata>> sends = new ArrayList<>();
    try (KafkaProducer<String, V> p = new KafkaProducer<>(TestClients.producerConfig(
        KAFKA.broker(), envelope, serializer))) {
      for (int i = 0; i < values.size(); i++) {
        sends.add(p.send(new ProducerRecord<>(topic, "k" + i, values.get(i))));
      }
      TestClients.assertAllAcked(sends);
    }
  }

  private static List<Object> orders(int n) {
    List<Object> orders = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Map<String, Object> customer = new LinkedHashMap<>();
      customer.put("email", SECRET + "-" + i + "@example.com");
      customer.put("tier", "gold");
      Map<String, Object> order = new LinkedHashMap<>();
      order.put("id", i);
      order.put("customer", customer);
      orders.add(order);
    }
    return orders;
  }

  /** Writes 5 version-1, 4 version-6, 3 deterministic and 2 field-mode records, in that order. */
  private String mixedTopic() {
    String topic = TestClients.unique("modes");
    KAFKA.broker().createTopic(topic, 1);
    send(envelope(), EncryptingSerializer.class.getName(), topic,
        List.of("v1-0", "v1-1", "v1-2", "v1-3", "v1-4"));
    Map<String, Object> v6 = envelope();
    v6.put("envelope.format.version", "6");
    send(v6, EncryptingSerializer.class.getName(), topic, List.of("v6-0", "v6-1", "v6-2",
        "v6-3"));
    Map<String, Object> det = envelope();
    det.put("envelope.mode", "deterministic");
    det.put("envelope.kek.id", "kek-det"); // a MAC key, made on first use
    det.put("envelope.kms.local.create.missing", "true");
    send(det, EncryptingSerializer.class.getName(), topic, List.of("same", "same", "other"));
    send(fieldEnvelope(), JSON_SERIALIZER, topic, orders(2));
    return topic;
  }

  @Test
  void inspectNamesEveryKekEachFormatNeeds() throws Exception {
    String topic = mixedTopic();
    Cli.Result r = Cli.run("inspect", topic, "--bootstrap-server",
        KAFKA.broker().bootstrapServers(), "--json");
    assertEquals(0, r.code(), r.toString());
    JsonNode value = JSON.readTree(r.out()).get("value");
    assertEquals(14, JSON.readTree(r.out()).get("records").asLong());
    assertEquals(9, value.get("framing").get("header").asLong(), value.toString());
    assertEquals(3, value.get("framing").get("inline").asLong(), value.toString());
    assertEquals(2, value.get("framing").get("fields").asLong(), value.toString());
    assertNull(value.get("framing").get("plaintext"), "nothing is reported as plaintext");
    assertNull(value.get("framing").get("malformed"), "nothing is reported as malformed");
    JsonNode versions = value.get("formatVersions");
    assertEquals(5, versions.get("1").asLong());
    assertEquals(3, versions.get("4").asLong());
    assertEquals(2, versions.get("5").asLong());
    assertEquals(4, versions.get("6").asLong());
    Map<String, Long> recordsByKek = new HashMap<>();
    Map<String, List<String>> deksByKek = new HashMap<>();
    for (JsonNode k : value.get("keks")) {
      recordsByKek.merge(k.get("kekId").asText(), k.get("records").asLong(), Long::sum);
      k.get("deks").fieldNames().forEachRemaining(d -> deksByKek
          .computeIfAbsent(k.get("kekId").asText(), x -> new ArrayList<>()).add(d));
    }
    // the field records' one sealed field is under kek-pii, so they need kek-pii only
    assertEquals(9, recordsByKek.get("kek-a"), recordsByKek.toString());
    assertEquals(3, recordsByKek.get("kek-det"), recordsByKek.toString());
    assertEquals(2, recordsByKek.get("kek-pii"), "the field-mode records need the field KEK");
    assertTrue(deksByKek.get("kek-det").stream().anyMatch(d -> d.startsWith("derived:topic:"
        + topic + "#")), "a deterministic key is named by its derivation: " + deksByKek);
    assertFalse(r.out().contains(SECRET), "inspect prints no field values");
    // the text report names the field KEK too
    Cli.Result text = Cli.run("inspect", topic, "--bootstrap-server",
        KAFKA.broker().bootstrapServers());
    assertEquals(0, text.code(), text.toString());
    assertTrue(text.out().contains("KEK 'kek-pii'"), text.out());
    assertTrue(text.out().contains("fields 2"), text.out());
  }

  @Test
  void verifyAndDecryptOpenFieldModeRecordsThroughTheFormatsDeserializer() throws Exception {
    String topic = mixedTopic();
    Map<String, Object> reader = envelope();
    reader.remove("envelope.inner.deserializer"); // the consumer's own: the JSON one's Jackson
    reader.put("envelope.kek.allowed.ids", "kek-pii,kek-det");
    reader.put("value.deserializer", JSON_DESERIALIZER);
    String config = configFile(reader);
    Cli.Result verify = Cli.run("verify", topic, "--config", config, "--json");
    assertEquals(0, verify.code(), verify.toString());
    assertFalse(verify.out().contains(SECRET));

    Cli.Result decrypt = Cli.run("decrypt", topic, "--config", config, "--json");
    assertEquals(0, decrypt.code(), decrypt.toString());
    List<JsonNode> lines = new ArrayList<>();
    for (String line : decrypt.out().split("\n")) {
      if (!line.isBlank()) {
        lines.add(JSON.readTree(line));
      }
    }
    assertEquals(14, lines.size());
    assertEquals("v1-0", lines.get(0).get("value").asText());
    assertEquals("v6-3", lines.get(8).get("value").asText());
    assertEquals("same", lines.get(9).get("value").asText());
    assertEquals(SECRET + "-1@example.com",
        lines.get(13).get("value").get("customer").get("email").asText(), lines.get(13)
            .toString());

    // without the format's deserializer the field records fail as the library refuses them
    Map<String, Object> plain = envelope();
    plain.put("envelope.kek.allowed.ids", "kek-pii,kek-det");
    Cli.Result noFormat = Cli.run("verify", topic, "--config", configFile(plain), "--json");
    assertEquals(ExitCode.RECORD_FAILURES, noFormat.code(), noFormat.toString());
    assertTrue(noFormat.out().contains("MISCONFIGURED"), noFormat.toString());
    assertFalse(noFormat.out().contains(SECRET));

    // a reader that does not accept the field KEK: those two records fail, nothing is printed
    Map<String, Object> noPii = envelope();
    noPii.remove("envelope.inner.deserializer");
    noPii.put("envelope.kek.allowed.ids", "kek-det");
    noPii.put("value.deserializer", JSON_DESERIALIZER);
    Cli.Result refused = Cli.run("verify", topic, "--config", configFile(noPii), "--json");
    assertEquals(ExitCode.RECORD_FAILURES, refused.code(), refused.toString());
    assertTrue(refused.out().contains("KEK_NOT_ALLOWED"), refused.toString());
    assertFalse(refused.out().contains(SECRET));
  }

  @Test
  void reencryptRefusesAFieldModeRecordBeforeWritingAnything() throws Exception {
    String source = TestClients.unique("field-src");
    String target = TestClients.unique("field-dst");
    KAFKA.broker().createTopic(source, 1);
    KAFKA.broker().createTopic(target, 1);
    send(fieldEnvelope(), JSON_SERIALIZER, source, orders(1));
    Map<String, Object> reader = envelope();
    reader.remove("envelope.inner.deserializer");
    reader.put("envelope.kek.allowed.ids", "kek-pii");
    reader.put("value.deserializer", JSON_DESERIALIZER);
    Cli.Result r = Cli.run("reencrypt", source, target, "--config", configFile(reader),
        "-T", "envelope.kek.id=kek-a");
    assertEquals(ExitCode.RUNTIME, r.code(), r.toString());
    assertTrue(r.err().contains("field mode"), r.toString());
    assertFalse(r.toString().contains(SECRET));
    // a sentinel written after the run: read_committed, it is the first record of the target
    // unless the run committed something before it (no waiting for an absence)
    send(Map.of(), "org.apache.kafka.common.serialization.StringSerializer", target,
        List.of("sentinel"));
    Map<String, Object> committed = new HashMap<>();
    committed.put("isolation.level", "read_committed");
    try (KafkaConsumer<String, String> c = new KafkaConsumer<>(TestClients.consumerConfig(
        KAFKA.broker(), committed, "org.apache.kafka.common.serialization"
            + ".StringDeserializer"))) {
      List<ConsumerRecord<String, String>> got = TestClients.drain(c, target, 1);
      assertEquals(List.of("sentinel"), got.stream().map(ConsumerRecord::value).toList(),
          "nothing of the refused run was committed to the target");
    }
  }

  @Test
  void everyKmsTheLibraryShipsIsInTheCommandLine() {
    List<String> types = new ArrayList<>();
    ServiceLoader.load(io.kafkaenvelope.kms.KmsProvider.class)
        .forEach(p -> types.add(p.type()));
    for (String t : List.of("local", "aws-kms", "vault-transit", "gcp-kms", "azure-keyvault")) {
      assertTrue(types.contains(t), t + " missing from " + types);
    }
  }
}
