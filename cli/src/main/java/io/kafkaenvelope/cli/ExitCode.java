package io.kafkaenvelope.cli;

/**
 * The process exit codes, documented in {@code docs/cli.md}: scripts tell "the command ran and
 * found bad records" from "the command could not run" by them.
 */
public final class ExitCode {

  /** Done; every record read was fine. */
  public static final int OK = 0;
  /** Done, but some records failed to decrypt or authenticate ({@code decrypt}, {@code verify}). */
  public static final int RECORD_FAILURES = 1;
  /** The command line is wrong (unknown option, missing argument, bad value). */
  public static final int USAGE = 2;
  /** A configuration file or setting is missing or invalid. */
  public static final int CONFIG = 3;
  /** Kafka or the KMS failed (unreachable, topic missing, timeout, access denied). */
  public static final int RUNTIME = 4;
  /** {@code reencrypt}: the destination's record counts differ from the source's. */
  public static final int COUNT_MISMATCH = 5;

  private ExitCode() {}
}
