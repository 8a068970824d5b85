package io.kafkaenvelope.cli;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.CommonClientConfigs;
import picocli.CommandLine.Option;

/**
 * Where the clients connect and how they are configured, as the Kafka console tools take it:
 * {@code --config} is a client properties file with the {@code envelope.*} settings (the same file
 * the application's consumer or producer uses), {@code --command-config} adds security settings
 * (SASL, TLS) over it, {@code -X} single settings over both, {@code --bootstrap-server} last.
 * Values are never printed: they may hold passwords.
 */
final class ClientOptions {

  @Option(names = "--bootstrap-server", paramLabel = "HOST:PORT[,...]",
      description = "The Kafka brokers to connect to (overrides bootstrap.servers).")
  String bootstrapServer;

  @Option(names = {"-c", "--config"}, paramLabel = "FILE",
      description = "Client properties: the consumer's (or producer's) file with its envelope.* "
          + "settings (KMS, KEK, inner deserializer).")
  Path config;

  @Option(names = "--command-config", paramLabel = "FILE",
      description = "Security settings (security.protocol, sasl.*, ssl.*) applied over "
          + "--config. Never printed.")
  Path commandConfig;

  @Option(names = {"-X", "--property"}, paramLabel = "KEY=VALUE",
      description = "One setting, applied over the files (repeatable), e.g. "
          + "-X envelope.kms.local.keyset.dir=keys.")
  Map<String, String> properties = new LinkedHashMap<>();

  /** The merged settings; fails naming the file or setting when something is wrong. */
  Map<String, Object> load() {
    Map<String, Object> m = new HashMap<>();
    if (config != null) {
      m.putAll(read(config, "--config"));
    }
    if (commandConfig != null) {
      m.putAll(read(commandConfig, "--command-config"));
    }
    m.putAll(properties);
    if (bootstrapServer != null && !bootstrapServer.isBlank()) {
      m.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServer.trim());
    }
    Object bootstrap = m.get(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG);
    if (bootstrap == null || bootstrap.toString().isBlank()) {
      throw new CliException(ExitCode.CONFIG, "no Kafka brokers given: set --bootstrap-server or "
          + "bootstrap.servers in the --config file");
    }
    return m;
  }

  /** A properties file as a map (UTF-8, like Kafka's own tools read them). */
  static Map<String, String> read(Path file, String option) {
    Properties p = new Properties();
    try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      p.load(r);
    } catch (NoSuchFileException e) {
      throw new CliException(ExitCode.CONFIG, option + " file " + file + " does not exist");
    } catch (IOException | IllegalArgumentException e) {
      throw new CliException(ExitCode.CONFIG, "cannot read the " + option + " file " + file + ": "
          + e.getClass().getSimpleName());
    }
    Map<String, String> m = new HashMap<>();
    p.stringPropertyNames().forEach(k -> m.put(k, p.getProperty(k)));
    return m;
  }
}
