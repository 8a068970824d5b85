package io.kafkaenvelope.internal.config;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.kafka.common.config.ConfigDef;

/**
 * Renders a {@link ConfigDef} as a Markdown table, so the configuration reference in {@code docs/}
 * is generated from the definitions the code validates against and cannot drift from them. Each
 * module has a test that fails when its checked-in reference differs from this output.
 */
public final class ConfigDocs {

  private ConfigDocs() {}

  /** A Markdown section: a heading, an intro paragraph and one table row per setting. */
  public static String toMarkdown(String title, String intro, ConfigDef def) {
    StringBuilder sb = new StringBuilder();
    sb.append("## ").append(title).append("\n\n");
    if (intro != null && !intro.isEmpty()) {
      sb.append(intro).append("\n\n");
    }
    sb.append("| Name | Type | Default | Valid values | Importance | Description |\n");
    sb.append("|---|---|---|---|---|---|\n");
    List<ConfigDef.ConfigKey> keys = new ArrayList<>(def.configKeys().values());
    keys.sort(Comparator.comparing((ConfigDef.ConfigKey k) -> k.importance).thenComparing(
        k -> k.name));
    for (ConfigDef.ConfigKey key : keys) {
      sb.append("| `").append(key.name).append("` | ")
          .append(key.type.name().toLowerCase(java.util.Locale.ROOT)).append(" | ")
          .append(cell(defaultOf(key))).append(" | ")
          .append(cell(key.validator == null ? "" : key.validator.toString())).append(" | ")
          .append(key.importance.name().toLowerCase(java.util.Locale.ROOT)).append(" | ")
          .append(cell(key.documentation)).append(" |\n");
    }
    return sb.toString();
  }

  private static String defaultOf(ConfigDef.ConfigKey key) {
    if (!key.hasDefault()) {
      return "(required)";
    }
    if (key.defaultValue == null) {
      return "null";
    }
    if (key.type == ConfigDef.Type.PASSWORD) {
      return "[hidden]";
    }
    if (key.defaultValue instanceof Class) {
      return ((Class<?>) key.defaultValue).getName();
    }
    if (key.defaultValue instanceof List) {
      String joined = String.join(",", ((List<?>) key.defaultValue).stream().map(String::valueOf)
          .toArray(String[]::new));
      return joined.isEmpty() ? "\"\"" : joined;
    }
    String s = String.valueOf(key.defaultValue);
    return s.isEmpty() ? "\"\"" : s;
  }

  private static String cell(String s) {
    if (s == null || s.isEmpty()) {
      return "";
    }
    return "`".equals(s) ? s : s.replace("|", "\\|").replace("\n", " ");
  }
}
