package io.kafkaenvelope.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkaenvelope.testing.KafkaExtension;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** AvroExample and JsonExample run against a real broker with the local KMS. */
class FormatExamplesTest {

  @RegisterExtension static final KafkaExtension KAFKA = new KafkaExtension();
  @TempDir Path keys;

  /** The part of the printout that shows the broker's bytes, before the decrypted section. */
  private static String storedSection(String printout) {
    int end = printout.indexOf("What a consumer");
    end = end < 0 ? printout.indexOf("Read as") : end;
    return printout.substring(0, end);
  }

  @Test
  void avroExampleReadsV1PaymentsWithTheV2Schema() throws Exception {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    List<GenericRecord> read = AvroExample.run(KAFKA.broker().bootstrapServers(),
        "payments-avro-example", keys, new PrintStream(buf, true, StandardCharsets.UTF_8));
    assertEquals(3, read.size());
    assertEquals("Ada Lovelace", read.get(0).get("cardHolder").toString());
    assertEquals("EUR", read.get(0).get("currency").toString(), "v2 default");
    String printout = buf.toString(StandardCharsets.UTF_8);
    assertFalse(storedSection(printout).contains("Lovelace"));
    assertTrue(printout.contains("Grace Hopper"), printout);
  }

  @Test
  void jsonExampleReadsCustomersAsRecordsAndTrees() throws Exception {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    List<JsonExample.Customer> read = JsonExample.run(KAFKA.broker().bootstrapServers(),
        "customers-json-example", keys, new PrintStream(buf, true, StandardCharsets.UTF_8));
    assertEquals(List.of("Ada", "Alan", "Grace"), read.stream().map(JsonExample.Customer::name)
        .sorted().toList());
    String printout = buf.toString(StandardCharsets.UTF_8);
    String stored = storedSection(printout);
    assertFalse(stored.contains("ada@example.org") || stored.contains("\"name\""), stored);
    assertTrue(printout.contains("{\"id\":\"c-1\",\"name\":\"Ada\",\"email\":\"ada@example.org\"}"),
        printout);
  }
}
