package io.kafkaenvelope.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code verify TOPIC}: decrypts (authenticates) every record's value and encrypted key with the
 * configured KMS and KEK policy, prints nothing of their contents, reports each failure by offset
 * and reason, and exits 1 if there was any.
 */
@Command(name = "verify", mixinStandardHelpOptions = true,
    description = {"Authenticate every record of a topic with the KMS and KEK policy of the "
        + "--config file: each failure is reported by partition, offset and reason (TAMPERED, "
        + "KEY_DISABLED, KEK_NOT_ALLOWED, ...); the exit code is 1 if any record fails.",
        "Record contents are never printed. Reads committed records from the beginning (or "
            + "--from) to the end offsets the topic has when the command starts."})
final class VerifyCommand implements Callable<Integer> {

  @Spec CommandSpec spec;
  @Mixin ClientOptions client;
  @Mixin ScanOptions scan;

  @Parameters(index = "0", paramLabel = "TOPIC", description = "The topic to verify.")
  String topic;

  @Option(names = "--json", description = "Print the result as one JSON object.")
  boolean json;

  @Option(names = "--max-print", paramLabel = "N", defaultValue = "1000",
      description = "Print at most this many failures (all are counted; default: "
          + "${DEFAULT-VALUE}).")
  int maxPrint;

  @Option(names = {"-q", "--quiet"}, description = "No progress bar on stderr.")
  boolean quiet;

  /** The failures of the last run that were printed (at most --max-print), for tests. */
  final List<RecordFailure> failures = new ArrayList<>();
  /** How many records failed in the last run. */
  long failed;

  @Override
  public Integer call() throws Exception {
    Map<String, Object> settings = client.load();
    long[] counts = new long[2]; // records, encrypted keys
    Map<String, Long> byReason = new TreeMap<>();
    Map<String, Long> byKek = new TreeMap<>();
    List<RecordFailure> shown = failures;
    failures.clear();
    failed = 0;
    try (Decryptors d = new Decryptors(settings, true);
        TopicScanner scanner = new TopicScanner(settings, topic, scan)) {
      Progress progress = new Progress(spec.commandLine().getErr(), "verify " + topic,
          scanner.span(), !quiet);
      scanner.scan(progress, r -> {
        counts[0]++;
        RecordFailure f = check(r, d, counts);
        if (f != null) {
          failed++;
          byReason.merge(f.reason(), 1L, Long::sum);
          if (f.kekId() != null) {
            byKek.merge(f.kekId(), 1L, Long::sum);
          }
          if (shown.size() < maxPrint) {
            shown.add(f);
          }
        }
        return true;
      });
    }
    print(counts, byReason, byKek, shown);
    return failed == 0 ? ExitCode.OK : ExitCode.RECORD_FAILURES;
  }

  private static RecordFailure check(ConsumerRecord<byte[], byte[]> r, Decryptors d,
      long[] counts) {
    if (Decryptors.keyEncrypted(r)) {
      counts[1]++;
      try {
        d.key(r);
      } catch (RuntimeException e) {
        return RecordFailure.of(r, "key", e);
      }
    }
    try {
      d.value(r);
      return null;
    } catch (RuntimeException e) {
      return RecordFailure.of(r, "value", e);
    }
  }

  private void print(long[] counts, Map<String, Long> byReason, Map<String, Long> byKek,
      List<RecordFailure> shown) {
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("topic", topic);
      m.put("records", counts[0]);
      m.put("encryptedKeys", counts[1]);
      m.put("ok", counts[0] - failed);
      m.put("failed", failed);
      m.put("failuresByReason", byReason);
      m.put("failuresByKek", byKek);
      m.put("failures", shown.stream().map(RecordFailure::json).toList());
      out.println(DecryptCommand.write(new ObjectMapper(), m));
    } else {
      for (RecordFailure f : shown) {
        out.println("FAILED " + f.line());
      }
      if (shown.size() < failed) {
        out.printf("... and %,d more failures (--max-print)%n", failed - shown.size());
      }
      out.printf("%s: %,d records verified: %,d ok, %,d failed%n",
          failed == 0 ? "OK" : "FAILED", counts[0], counts[0] - failed, failed);
      byReason.forEach((reason, n) -> out.printf("  %s: %,d%n", reason, n));
      byKek.forEach((kek, n) -> out.printf("  under KEK '%s': %,d%n",
          io.kafkaenvelope.serde.EnvelopeException.printable(kek), n));
    }
    out.flush();
  }
}
