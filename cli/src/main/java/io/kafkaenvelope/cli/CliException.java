package io.kafkaenvelope.cli;

/**
 * A command cannot go on: the message says what is wrong and what to change; the exit code says
 * which kind of failure it is ({@link ExitCode}). Messages never contain key material, record
 * contents or configuration values.
 */
final class CliException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final int exitCode;

  CliException(int exitCode, String message) {
    super(message);
    this.exitCode = exitCode;
  }

  CliException(int exitCode, String message, Throwable cause) {
    super(message, cause);
    this.exitCode = exitCode;
  }

  int exitCode() {
    return exitCode;
  }
}
