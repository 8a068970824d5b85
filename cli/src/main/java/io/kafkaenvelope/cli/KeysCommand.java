package io.kafkaenvelope.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.kafkaenvelope.internal.kms.LocalKmsProvider;
import io.kafkaenvelope.kms.local.LocalKms;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code keys}: the local KMS's keysets ({@code envelope.kms.type=local}; development and tests
 * only). Prints KEK ids, versions and states, never key material.
 */
@Command(name = "keys", mixinStandardHelpOptions = true,
    description = {"Manage the local KMS's keysets (envelope.kms.type=local: Tink keyset files, "
        + "development and tests only). Key material is never printed.",
        "The directory is --dir, or envelope.kms.local.keyset.dir of the --config file."},
    subcommands = {KeysCommand.Create.class, KeysCommand.Rotate.class, KeysCommand.ListKeys.class,
        KeysCommand.Disable.class, KeysCommand.Enable.class})
final class KeysCommand implements Runnable {

  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new picocli.CommandLine.ParameterException(spec.commandLine(),
        "name a keys command: create, rotate, list, disable or enable");
  }

  /** Where the keysets are. */
  static final class DirOptions {
    @Option(names = "--dir", paramLabel = "DIR",
        description = "The keyset directory (envelope.kms.local.keyset.dir).")
    Path dir;

    @Option(names = {"-c", "--config"}, paramLabel = "FILE",
        description = "A client properties file naming envelope.kms.local.keyset.dir.")
    Path config;

    Path dir() {
      if (dir != null) {
        return dir;
      }
      if (config != null) {
        String d = ClientOptions.read(config, "--config").get(LocalKmsProvider.KEYSET_DIR);
        if (d != null && !d.isBlank()) {
          return Path.of(d.trim());
        }
        throw new CliException(ExitCode.CONFIG, "the --config file " + config + " does not set "
            + LocalKmsProvider.KEYSET_DIR);
      }
      throw new CliException(ExitCode.USAGE, "give the keyset directory: --dir DIR, or --config "
          + "FILE with " + LocalKmsProvider.KEYSET_DIR);
    }
  }

  /** The base of the commands that act on one KEK. */
  abstract static class OnKek implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin DirOptions where;

    @Parameters(index = "0", paramLabel = "KEK_ID",
        description = "The KEK id (the keyset file is <KEK_ID>.json).")
    String kekId;

    @Override
    public Integer call() {
      Path dir = where.dir();
      String done = apply(dir, kekId);
      PrintWriter out = spec.commandLine().getOut();
      out.println(done);
      out.flush();
      return ExitCode.OK;
    }

    abstract String apply(Path dir, String kekId);

    static String versionOf(Path dir, String kekId) {
      return LocalKms.list(dir).stream().filter(k -> k.kekId().equals(kekId))
          .map(LocalKms.KeysetInfo::primaryVersion).findFirst().orElse("?");
    }
  }

  @Command(name = "create", mixinStandardHelpOptions = true,
      description = "Create a keyset with one key; fails if it exists.")
  static final class Create extends OnKek {
    @Override
    String apply(Path dir, String kekId) {
      LocalKms.create(dir, kekId);
      return "created KEK '" + kekId + "' version " + versionOf(dir, kekId) + " in " + dir;
    }
  }

  @Command(name = "rotate", mixinStandardHelpOptions = true,
      description = "Add a new primary key (a new KEK version) to a keyset, creating it if "
          + "needed. New data keys are wrapped under it; records under older versions still "
          + "decrypt.")
  static final class Rotate extends OnKek {
    @Override
    String apply(Path dir, String kekId) {
      LocalKms.rotate(dir, kekId);
      return "rotated KEK '" + kekId + "': primary version " + versionOf(dir, kekId);
    }
  }

  @Command(name = "disable", mixinStandardHelpOptions = true,
      description = {"Disable a KEK: generating and unwrapping data keys under it fail "
          + "(KEY_DISABLED) in every client from their next KMS call. Consumers keep data keys "
          + "they unwrapped earlier until envelope.dek.cache.expire.after.write.ms.",
          "Reversible with 'keys enable'; see docs/crypto-shredding.md."})
  static final class Disable extends OnKek {
    @Override
    String apply(Path dir, String kekId) {
      LocalKms.disable(dir, kekId);
      return "disabled KEK '" + kekId + "'";
    }
  }

  @Command(name = "enable", mixinStandardHelpOptions = true,
      description = "Enable a KEK that 'keys disable' disabled.")
  static final class Enable extends OnKek {
    @Override
    String apply(Path dir, String kekId) {
      LocalKms.enable(dir, kekId);
      return "enabled KEK '" + kekId + "'";
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true,
      description = "List the keysets: KEK id, state, primary version and every version.")
  static final class ListKeys implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin DirOptions where;

    @Option(names = "--json", description = "One JSON array.")
    boolean json;

    @Override
    public Integer call() throws Exception {
      List<LocalKms.KeysetInfo> keys = LocalKms.list(where.dir());
      PrintWriter out = spec.commandLine().getOut();
      if (json) {
        out.println(new ObjectMapper().writeValueAsString(keys.stream().map(k -> {
          Map<String, Object> m = new LinkedHashMap<>();
          m.put("kekId", k.kekId());
          m.put("state", k.disabled() ? "disabled" : "enabled");
          m.put("primaryVersion", k.primaryVersion());
          m.put("versions", k.versions());
          return m;
        }).toList()));
      } else {
        for (LocalKms.KeysetInfo k : keys) {
          out.printf("%s\t%s\tprimary %s\tversions %s%n", k.kekId(),
              k.disabled() ? "disabled" : "enabled", k.primaryVersion(),
              String.join(",", k.versions()));
        }
      }
      out.flush();
      return ExitCode.OK;
    }
  }
}
