package io.kafkaenvelope.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kafkaenvelope.kms.local.LocalKms;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line without a broker: help, argument errors, exit codes, and {@code keys}. */
class CliArgumentsTest {

  @TempDir Path dir;

  @Test
  void everyCommandHasHelp() {
    for (List<String> cmd : List.of(List.<String>of(), List.of("inspect"), List.of("decrypt"),
        List.of("verify"), List.of("reencrypt"), List.of("keys"), List.of("keys", "create"),
        List.of("keys", "rotate"), List.of("keys", "list"), List.of("keys", "disable"),
        List.of("keys", "enable"))) {
      String[] args = java.util.stream.Stream.concat(cmd.stream(), java.util.stream.Stream.of(
          "--help")).toArray(String[]::new);
      Cli.Result r = Cli.run(args);
      assertEquals(0, r.code(), r.toString());
      assertTrue(r.out().startsWith("Usage: kafka-envelope"), r.toString());
    }
    Cli.Result top = Cli.run("--help");
    assertTrue(top.out().contains("Exit codes:") && top.out().contains("reencrypt"), top.out());
    assertTrue(Cli.run("inspect", "--help").out().contains("--bootstrap-server"));
    assertTrue(Cli.run("decrypt", "--help").out().contains("--max-records"));
    assertTrue(Cli.run("reencrypt", "--help").out().contains("--target-config"));
  }

  @Test
  void wrongCommandLinesExitTwoAndSayWhatIsWrong() {
    Cli.Result none = Cli.run();
    assertEquals(ExitCode.USAGE, none.code());
    assertTrue(none.err().contains("name a command"), none.toString());

    Cli.Result unknown = Cli.run("inspect", "t", "--bootstrap-server", "x:1", "--frm", "3");
    assertEquals(ExitCode.USAGE, unknown.code());
    assertTrue(unknown.err().contains("--frm"), unknown.toString());

    Cli.Result missingTopic = Cli.run("verify", "--bootstrap-server", "x:1");
    assertEquals(ExitCode.USAGE, missingTopic.code());
    assertTrue(missingTopic.err().contains("TOPIC"), missingTopic.toString());

    Cli.Result notANumber = Cli.run("decrypt", "t", "--bootstrap-server", "x:1", "--from", "x");
    assertEquals(ExitCode.USAGE, notANumber.code());
    assertTrue(notANumber.err().contains("--from"), notANumber.toString());

    Cli.Result backwards = Cli.run("inspect", "t", "--bootstrap-server", "localhost:1",
        "--from", "10", "--to", "5");
    assertEquals(ExitCode.USAGE, backwards.code());
    assertTrue(backwards.err().contains("--to (5) is before --from (10)"), backwards.toString());

    Cli.Result noMax = Cli.run("decrypt", "t", "--bootstrap-server", "localhost:1",
        "--max-records", "0");
    assertEquals(ExitCode.USAGE, noMax.code());
    assertTrue(noMax.err().contains("--max-records"), noMax.toString());

    Cli.Result same = Cli.run("reencrypt", "t", "t", "--bootstrap-server", "localhost:1");
    assertEquals(ExitCode.USAGE, same.code());
    assertTrue(same.err().contains("SRC and DST must differ"), same.toString());

    Cli.Result keysNoDir = Cli.run("keys", "list");
    assertEquals(ExitCode.USAGE, keysNoDir.code());
    assertTrue(keysNoDir.err().contains("--dir"), keysNoDir.toString());
  }

  @Test
  void configurationErrorsExitThreeAndNameTheFileOrSetting() throws Exception {
    Cli.Result noBrokers = Cli.run("inspect", "t");
    assertEquals(ExitCode.CONFIG, noBrokers.code());
    assertTrue(noBrokers.err().contains("--bootstrap-server"), noBrokers.toString());

    Path missing = dir.resolve("nope.properties");
    Cli.Result noFile = Cli.run("inspect", "t", "--config", missing.toString());
    assertEquals(ExitCode.CONFIG, noFile.code());
    assertTrue(noFile.err().contains(missing.toString()), noFile.toString());

    // a secret in the security file is never echoed, even when the configuration is wrong
    Path security = dir.resolve("security.properties");
    Files.writeString(security, "sasl.jaas.config=secret-jaas-S3CR3T\n");
    Path consumer = dir.resolve("consumer.properties");
    Files.writeString(consumer, "bootstrap.servers=localhost:1\nenvelope.kms.type=local\n"
        + "envelope.kms.local.keyset.dir=" + dir + "\n");
    Cli.Result noKek = Cli.run("decrypt", "t", "--config", consumer.toString(),
        "--command-config", security.toString());
    assertEquals(ExitCode.CONFIG, noKek.code(), noKek.toString());
    assertTrue(noKek.err().contains("envelope.kek.id"), noKek.toString());
    assertFalse(noKek.toString().contains("S3CR3T"), noKek.toString());

    Path keysConfig = dir.resolve("keys.properties");
    Files.writeString(keysConfig, "envelope.kms.type=local\n");
    Cli.Result noDir = Cli.run("keys", "list", "--config", keysConfig.toString());
    assertEquals(ExitCode.CONFIG, noDir.code());
    assertTrue(noDir.err().contains("envelope.kms.local.keyset.dir"), noDir.toString());
  }

  @Test
  void keysCreateRotateListDisableEnableWithoutPrintingKeyMaterial() throws Exception {
    String d = dir.toString();
    Cli.Result created = Cli.run("keys", "create", "orders", "--dir", d);
    assertEquals(0, created.code(), created.toString());
    assertEquals(ExitCode.CONFIG, Cli.run("keys", "create", "orders", "--dir", d).code(),
        "a keyset is not created twice");
    assertEquals(0, Cli.run("keys", "rotate", "orders", "--dir", d).code());
    assertEquals(0, Cli.run("keys", "create", "payments", "--dir", d).code());
    assertEquals(0, Cli.run("keys", "disable", "payments", "--dir", d).code());

    Cli.Result list = Cli.run("keys", "list", "--dir", d, "--json");
    assertEquals(0, list.code(), list.toString());
    JsonNode keys = new ObjectMapper().readTree(list.out());
    assertEquals(2, keys.size());
    assertEquals("orders", keys.get(0).get("kekId").asText());
    assertEquals("enabled", keys.get(0).get("state").asText());
    assertEquals(2, keys.get(0).get("versions").size());
    assertEquals("disabled", keys.get(1).get("state").asText());
    LocalKms.KeysetInfo orders = LocalKms.list(dir).get(0);
    assertEquals(orders.primaryVersion(), keys.get(0).get("primaryVersion").asText());
    String keyset = Files.readString(dir.resolve("orders.json"));
    String material = new ObjectMapper().readTree(keyset).get("key").get(0).get("keyData")
        .get("value").asText();
    assertFalse(list.out().contains(material), "no key material in the listing");
    Cli.Result text = Cli.run("keys", "list", "--dir", d);
    assertTrue(text.out().contains("payments\tdisabled"), text.toString());
    assertFalse(text.out().contains(material));

    assertEquals(0, Cli.run("keys", "enable", "payments", "--dir", d).code());
    assertFalse(LocalKms.list(dir).get(1).disabled());

    Cli.Result traversal = Cli.run("keys", "create", "../x", "--dir", d);
    assertEquals(ExitCode.RUNTIME, traversal.code(), traversal.toString());
    assertTrue(traversal.err().contains("a local KEK id must match"), traversal.toString());
    assertFalse(Files.exists(dir.resolveSibling("x.json")));
    Cli.Result unknown = Cli.run("keys", "disable", "nope", "--dir", d);
    assertEquals(ExitCode.RUNTIME, unknown.code());
    assertTrue(unknown.err().contains("KEY_NOT_FOUND"), unknown.toString());
  }
}
