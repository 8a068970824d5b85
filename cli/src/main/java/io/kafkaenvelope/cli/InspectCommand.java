package io.kafkaenvelope.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code inspect TOPIC}: reads the raw records (no KMS, no keys needed) and reports what their
 * envelopes say: framing, format versions, codecs, and per KEK id and version the records, data
 * keys, offsets and timestamps. The answer to "which KEK versions does this topic still need?".
 */
@Command(name = "inspect", mixinStandardHelpOptions = true,
    description = {"Report which KEKs, KEK versions and data keys a topic's records need, without "
        + "any KMS access: counts per framing (header, inline, plaintext), format version, codec "
        + "and KEK version, with the first and last offset and timestamp of each KEK version.",
        "Reads committed records from the beginning (or --from) to the end offsets the topic has "
            + "when the command starts."})
final class InspectCommand implements Callable<Integer> {

  @Spec CommandSpec spec;
  @Mixin ClientOptions client;
  @Mixin ScanOptions scan;

  @Parameters(index = "0", paramLabel = "TOPIC", description = "The topic to inspect.")
  String topic;

  @Option(names = "--json", description = "Print the report as one JSON object.")
  boolean json;

  @Option(names = {"-q", "--quiet"}, description = "No progress bar on stderr.")
  boolean quiet;

  /** The last report, for tests. */
  InspectReport report;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    InspectReport r = new InspectReport(topic);
    try (TopicScanner scanner = new TopicScanner(client.load(), topic, scan)) {
      Progress progress = new Progress(spec.commandLine().getErr(), "inspect " + topic,
          scanner.span(), !quiet);
      scanner.scan(progress, rec -> {
        r.add(rec);
        return true;
      });
    }
    report = r;
    if (json) {
      out.println(new ObjectMapper().disable(SerializationFeature.INDENT_OUTPUT)
          .writeValueAsString(r.toJson()));
    } else {
      r.printText(out);
    }
    out.flush();
    return ExitCode.OK;
  }
}
