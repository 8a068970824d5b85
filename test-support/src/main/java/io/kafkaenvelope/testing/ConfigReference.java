package io.kafkaenvelope.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The check behind every module's {@code ConfigReferenceTest}: {@code docs/config/<module>.md} is
 * generated from the module's {@code ConfigDef}s and must match the checked-in file. A module's
 * test renders its sections (with {@code ConfigDocs.toMarkdown}, which lives in serde-core and so
 * stays out of this module) and calls {@link #check}; run with
 * {@code -Dkafka-envelope.update-docs=true} to write the file instead of failing.
 */
public final class ConfigReference {

  /** The system property that regenerates the file instead of comparing. */
  public static final String UPDATE_PROPERTY = "kafka-envelope.update-docs";

  private ConfigReference() {}

  /**
   * The whole document: a title naming the module, the introduction (no trailing newline), then
   * the sections (each already markdown ending in a newline), separated by blank lines.
   */
  public static String render(String module, String intro, List<String> sections) {
    return "# Configuration reference: " + module + "\n\n" + intro + "\n\n"
        + String.join("\n", sections);
  }

  /**
   * Compares {@code docs/config/<module>.md} (relative to the module's directory, where surefire
   * runs) with {@link #render}; with {@value #UPDATE_PROPERTY}{@code =true} writes it first.
   */
  public static void check(String module, String intro, String... sections) {
    Path doc = Path.of("..", "docs", "config", module + ".md");
    String expected = render(module, intro, List.of(sections));
    try {
      if (Boolean.getBoolean(UPDATE_PROPERTY)) {
        Files.createDirectories(doc.getParent());
        Files.writeString(doc, expected);
      }
      assertEquals(expected, Files.exists(doc) ? Files.readString(doc) : "", doc
          + " is stale: regenerate with mvn -pl " + module + " -am test -Dtest=ConfigReferenceTest"
          + " -Dsurefire.failIfNoSpecifiedTests=false -D" + UPDATE_PROPERTY + "=true");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
