package io.kafkaenvelope.benchmarks.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The rows of a JMH {@code -rf json} result file that the report needs. */
final class JmhResults {

  /** One benchmark at one size and thread count. */
  record Row(String group, String contender, int size, int threads, double nsPerOp,
      double nsError, double bytesPerOp) {

    /** Payload throughput of all threads together, in MB/s (10^6 bytes). */
    double mbPerSec() {
      return threads * (double) size / nsPerOp * 1e3;
    }
  }

  final List<Row> rows;
  final String jvm;
  final String jmhVersion;
  final String warmup;
  final String measurement;

  private JmhResults(List<Row> rows, String jvm, String jmhVersion, String warmup,
      String measurement) {
    this.rows = rows;
    this.jvm = jvm;
    this.jmhVersion = jmhVersion;
    this.warmup = warmup;
    this.measurement = measurement;
  }

  /** Reads and merges one or more result files (comma-separated), e.g. a 1- and a 2-thread run. */
  static JmhResults read(String files) throws IOException {
    ObjectMapper m = new ObjectMapper();
    com.fasterxml.jackson.databind.node.ArrayNode all = m.createArrayNode();
    for (String f : files.split(",")) {
      m.readTree(new File(f.trim())).forEach(all::add);
    }
    return parse(all);
  }

  static JmhResults parse(JsonNode root) {
    List<Row> rows = new ArrayList<>();
    String jvm = "";
    String jmh = "";
    String warmup = "";
    String measurement = "";
    for (JsonNode b : root) {
      String name = b.path("benchmark").asText();
      String[] parts = name.split("\\.");
      String cls = parts[parts.length - 2];
      String group = cls.replace("Benchmark", "").toLowerCase(java.util.Locale.ROOT);
      String contender = parts[parts.length - 1];
      if (group.equals("inline")) { // InlineBenchmark.serialize -> serialize / envelopeInline
        group = contender;
        contender = "envelopeInline";
      } else if (group.equals("aadcost")) {
        // AadCostBenchmark.serialize -> serialize / rawAesGcmAad
        boolean core = contender.startsWith("core");
        group = core ? contender.substring(4).toLowerCase(java.util.Locale.ROOT) : contender;
        contender = core ? "aesGcmCore" : "rawAesGcmAad";
      }
      if (!b.path("mode").asText().equals("avgt")) {
        continue;
      }
      JsonNode pm = b.path("primaryMetric");
      double scale = switch (pm.path("scoreUnit").asText()) {
        case "ns/op" -> 1;
        case "us/op" -> 1e3;
        case "ms/op" -> 1e6;
        default -> throw new IllegalArgumentException("unexpected unit " + pm.path("scoreUnit"));
      };
      double alloc = b.path("secondaryMetrics").path("gc.alloc.rate.norm").path("score")
          .asDouble(Double.NaN);
      double err = pm.path("scoreError").asDouble(Double.NaN);
      rows.add(new Row(group, contender, b.path("params").path("size").asInt(),
          b.path("threads").asInt(), pm.path("score").asDouble() * scale, err * scale, alloc));
      jvm = b.path("vmName").asText() + " " + b.path("jdkVersion").asText() + " ("
          + b.path("vmVersion").asText() + ")";
      jmh = b.path("jmhVersion").asText();
      warmup = b.path("warmupIterations").asInt() + " × " + b.path("warmupTime").asText();
      measurement = b.path("measurementIterations").asInt() + " × "
          + b.path("measurementTime").asText() + ", " + b.path("forks").asInt() + " fork";
    }
    return new JmhResults(rows, jvm, jmh, warmup, measurement);
  }

  Optional<Row> find(String group, String contender, int size, int threads) {
    return rows.stream().filter(r -> r.group.equals(group) && r.contender.equals(contender)
        && r.size == size && r.threads == threads).findFirst();
  }
}
