package io.kafkaenvelope.cli;

import io.kafkaenvelope.kms.KmsException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.config.ConfigException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.Spec;

/**
 * {@code kafka-envelope}: the command line for encrypted topics. {@code java -jar
 * kafka-envelope.jar <command> --help} describes each command; docs/cli.md has examples and the
 * exit codes ({@link ExitCode}).
 */
@Command(name = "kafka-envelope", mixinStandardHelpOptions = true,
    versionProvider = KafkaEnvelopeCli.Version.class,
    description = "Inspect, decrypt, verify and re-encrypt topics written by Kafka Envelope's "
        + "encrypting serializer, and manage the local KMS's keysets.",
    subcommands = {InspectCommand.class, DecryptCommand.class, VerifyCommand.class,
        ReencryptCommand.class, KeysCommand.class, CommandLine.HelpCommand.class},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        "0:done; every record read was fine",
        "1:some records failed to decrypt or authenticate (decrypt, verify)",
        "2:wrong command line",
        "3:a configuration file or setting is missing or invalid",
        "4:Kafka or the KMS failed (unreachable, topic missing, timeout, access denied)",
        "5:reencrypt: the destination's record counts differ from the source's"})
public final class KafkaEnvelopeCli implements Runnable {

  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "name a command");
  }

  public static void main(String[] args) {
    PrintWriter out = new PrintWriter(System.out, true, StandardCharsets.UTF_8);
    PrintWriter err = new PrintWriter(System.err, true, StandardCharsets.UTF_8);
    System.exit(run(out, err, args));
  }

  /** Runs one command line, writing results to {@code out} and messages to {@code err}. */
  public static int run(PrintWriter out, PrintWriter err, String... args) {
    return commandLine(CommandLine.defaultFactory(), out, err).execute(args);
  }

  /** The command line, with {@code factory} creating the commands (tests pass hooks this way). */
  static CommandLine commandLine(CommandLine.IFactory factory, PrintWriter out, PrintWriter err) {
    CommandLine cl = new CommandLine(new KafkaEnvelopeCli(), factory);
    cl.setOut(out);
    cl.setErr(err);
    cl.setExecutionExceptionHandler(KafkaEnvelopeCli::handle);
    return cl;
  }

  /**
   * Turns a failure into a message naming what is wrong and an exit code. Messages of this
   * library and of Kafka never contain key material or secret values (Kafka prints passwords as
   * {@code [hidden]}).
   */
  private static int handle(Exception e, CommandLine cl, ParseResult parsed) {
    PrintWriter err = cl.getErr();
    int code;
    String message;
    if (e instanceof CliException c) {
      code = c.exitCode();
      message = c.getMessage();
    } else if (e instanceof ConfigException) {
      code = ExitCode.CONFIG;
      message = "configuration: " + e.getMessage();
    } else if (e instanceof KmsException k) {
      code = k.reason() == KmsException.Reason.MISCONFIGURED ? ExitCode.CONFIG : ExitCode.RUNTIME;
      message = "KMS: " + e.getMessage();
    } else if (e instanceof KafkaException) {
      code = ExitCode.RUNTIME;
      message = "Kafka: " + e.getClass().getSimpleName() + ": " + e.getMessage();
    } else {
      code = ExitCode.RUNTIME;
      message = e.getClass().getName() + ": " + e.getMessage();
    }
    err.println("kafka-envelope " + cl.getCommandName() + ": error: " + message);
    err.flush();
    return code;
  }

  /** The version in the jar's manifest. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = KafkaEnvelopeCli.class.getPackage().getImplementationVersion();
      return new String[] {"kafka-envelope " + (v == null ? "(development build)" : v)};
    }
  }
}
