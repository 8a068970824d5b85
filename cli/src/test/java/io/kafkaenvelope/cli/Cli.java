package io.kafkaenvelope.cli;

import io.kafkaenvelope.testing.KafkaBroker;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import picocli.CommandLine;

/** Runs the command line in this JVM and captures what it prints. */
final class Cli {

  /** One run's exit code and output. */
  record Result(int code, String out, String err) {
    @Override
    public String toString() {
      return "exit " + code + "\n--- stdout\n" + out + "--- stderr\n" + err;
    }
  }

  private Cli() {}

  static Result run(String... args) {
    return run(CommandLine.defaultFactory(), args);
  }

  /** With {@code factory} creating the commands (to give reencrypt a hook). */
  static Result run(CommandLine.IFactory factory, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code;
    try (PrintWriter o = new PrintWriter(out); PrintWriter e = new PrintWriter(err)) {
      code = KafkaEnvelopeCli.commandLine(factory, o, e).execute(args);
    }
    return new Result(code, out.toString(), err.toString());
  }

  /**
   * The properties file an operator hands the CLI (the consumer's): {@code bootstrap.servers} of
   * {@code broker} and {@code settings}, in a new file under {@code dir}; returns its path.
   */
  static String configFile(Path dir, KafkaBroker broker, Map<String, Object> settings)
      throws IOException {
    StringBuilder sb = new StringBuilder("bootstrap.servers=" + broker.bootstrapServers()
        + "\n");
    settings.forEach((k, v) -> sb.append(k).append('=').append(v).append('\n'));
    Path f = Files.createTempFile(dir, "client-", ".properties");
    Files.writeString(f, sb.toString());
    return f.toString();
  }

  /** A factory creating {@link ReencryptCommand}s with {@code hook}. */
  static CommandLine.IFactory withHook(ReencryptCommand.Hook hook) {
    return new CommandLine.IFactory() {
      @Override
      public <K> K create(Class<K> cls) throws Exception {
        if (cls == ReencryptCommand.class) {
          return cls.cast(new ReencryptCommand(hook));
        }
        return CommandLine.defaultFactory().create(cls);
      }
    };
  }
}
