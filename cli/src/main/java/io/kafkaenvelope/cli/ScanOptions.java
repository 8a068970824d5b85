package io.kafkaenvelope.cli;

import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * Which records a reading command scans: every partition or those given, from the beginning (or
 * an offset) up to the end the topic has when the command starts, so a scan always ends.
 */
final class ScanOptions {

  @Option(names = {"-p", "--partition"}, paramLabel = "N",
      description = "Read only this partition (repeatable). Default: all.")
  List<Integer> partitions = new ArrayList<>();

  @Option(names = "--from", paramLabel = "OFFSET",
      description = "Start at this offset in each partition read (inclusive). Default: the "
          + "beginning.")
  Long from;

  @Option(names = "--to", paramLabel = "OFFSET",
      description = "Stop before this offset in each partition read (exclusive). Default: the end "
          + "offset when the command starts.")
  Long to;

  @Option(names = "--from-beginning",
      description = "Read from the beginning (the default; accepted as the console consumer's "
          + "option).")
  boolean fromBeginning;

  @Option(names = "--timeout-ms", paramLabel = "MS", defaultValue = "60000",
      description = "Give up when no record arrives for this long before the end is reached "
          + "(default: ${DEFAULT-VALUE}).")
  long timeoutMs;

  void validate() {
    if (from != null && from < 0) {
      throw new CliException(ExitCode.USAGE, "--from must be an offset (0 or more), not " + from);
    }
    if (to != null && to < 0) {
      throw new CliException(ExitCode.USAGE, "--to must be an offset (0 or more), not " + to);
    }
    if (from != null && to != null && to < from) {
      throw new CliException(ExitCode.USAGE, "--to (" + to + ") is before --from (" + from + ")");
    }
    if (fromBeginning && from != null) {
      throw new CliException(ExitCode.USAGE, "give either --from-beginning or --from, not both");
    }
    for (int p : partitions) {
      if (p < 0) {
        throw new CliException(ExitCode.USAGE, "--partition must be 0 or more, not " + p);
      }
    }
    if (timeoutMs <= 0) {
      throw new CliException(ExitCode.USAGE, "--timeout-ms must be positive");
    }
  }
}
