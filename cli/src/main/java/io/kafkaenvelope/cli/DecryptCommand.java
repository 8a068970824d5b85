package io.kafkaenvelope.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code decrypt TOPIC}: prints records decrypted with the configured KMS and inner deserializer,
 * as text lines (the value, plus key, headers, offset on request) or JSON lines. A record that
 * does not decrypt is reported on stderr (text) or as an {@code error} line (JSON) with its offset
 * and reason, and the exit code is 1.
 */
@Command(name = "decrypt", mixinStandardHelpOptions = true,
    description = {"Print a topic's records decrypted with the KMS and inner deserializer of the "
        + "--config file (the consumer's), as text or JSON lines.",
        "Reads committed records from the beginning (or --from) to the end offsets the topic has "
            + "when the command starts, or --max-records of them. Records that fail are reported "
            + "by offset and reason; the exit code is then 1."})
final class DecryptCommand implements Callable<Integer> {

  @Spec CommandSpec spec;
  @Mixin ClientOptions client;
  @Mixin ScanOptions scan;

  @Parameters(index = "0", paramLabel = "TOPIC", description = "The topic to read.")
  String topic;

  @Option(names = "--max-records", paramLabel = "N",
      description = "Stop after this many records.")
  Long maxRecords;

  @Option(names = "--json", description = "One JSON object per record: partition, offset, "
      + "timestamp, key, headers, value (or error).")
  boolean json;

  @Option(names = "--print-key", description = "Text: print the key before the value.")
  boolean printKey;

  @Option(names = "--print-headers", description = "Text: print the headers (other than the "
      + "envelope's) before the value.")
  boolean printHeaders;

  @Option(names = "--print-offset", description = "Text: print partition and offset first.")
  boolean printOffset;

  @Option(names = "--separator", paramLabel = "TEXT", defaultValue = "\t",
      description = "Text: between the printed fields (default: a tab).")
  String separator;

  @Override
  public Integer call() throws Exception {
    if (maxRecords != null && maxRecords < 1) {
      throw new CliException(ExitCode.USAGE, "--max-records must be at least 1");
    }
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    ObjectMapper mapper = new ObjectMapper();
    Map<String, Object> settings = client.load();
    long[] counts = new long[2]; // printed, failed
    try (Decryptors decryptors = new Decryptors(settings, false);
        TopicScanner scanner = new TopicScanner(settings, topic, scan)) {
      scanner.scan(Progress.none(), r -> {
        print(r, decryptors, mapper, out, err, counts);
        return maxRecords == null || counts[0] + counts[1] < maxRecords;
      });
    }
    out.flush();
    if (counts[1] > 0) {
      err.printf("%,d of %,d records could not be decrypted%n", counts[1], counts[0] + counts[1]);
      err.flush();
      return ExitCode.RECORD_FAILURES;
    }
    return ExitCode.OK;
  }

  private void print(ConsumerRecord<byte[], byte[]> r, Decryptors d, ObjectMapper mapper,
      PrintWriter out, PrintWriter err, long[] counts) {
    Object key;
    Object value;
    try {
      key = d.key(r);
    } catch (RuntimeException e) {
      fail(RecordFailure.of(r, "key", e), mapper, out, err, counts);
      return;
    }
    try {
      value = d.value(r);
    } catch (RuntimeException e) {
      fail(RecordFailure.of(r, "value", e), mapper, out, err, counts);
      return;
    }
    counts[0]++;
    if (json) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("partition", r.partition());
      m.put("offset", r.offset());
      m.put("timestamp", Instant.ofEpochMilli(r.timestamp()).toString());
      m.put("key", Printed.json(key));
      m.put("headers", Printed.headers(r.headers()));
      m.put("value", Printed.json(value));
      out.println(write(mapper, m));
      return;
    }
    StringBuilder line = new StringBuilder();
    if (printOffset) {
      line.append(r.partition()).append(':').append(r.offset()).append(separator);
    }
    if (printKey) {
      line.append(Printed.text(key)).append(separator);
    }
    if (printHeaders) {
      StringBuilder h = new StringBuilder();
      Printed.headers(r.headers()).forEach((k, v) -> h.append(h.length() == 0 ? "" : ",")
          .append(k).append('=').append(v));
      line.append(h).append(separator);
    }
    out.println(line.append(Printed.text(value)));
  }

  private void fail(RecordFailure f, ObjectMapper mapper, PrintWriter out, PrintWriter err,
      long[] counts) {
    counts[1]++;
    if (json) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("partition", f.partition());
      m.put("offset", f.offset());
      m.put("error", f.json());
      out.println(write(mapper, m));
    } else {
      err.println("cannot decrypt " + f.line());
    }
  }

  static String write(ObjectMapper mapper, Object o) {
    try {
      return mapper.writeValueAsString(o);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("cannot write JSON", e);
    }
  }
}
