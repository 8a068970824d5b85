package io.kafkaenvelope.benchmarks.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The parts of the report made from {@code Alternating} runs (one JSON file per JVM: JDK 17, 25,
 * 17 with ACCP; see benchmarks/run-micro-matrix.sh) and from {@code BatchBytes}: the charts, the
 * issue-21 targets with their verdicts, the tables per JVM, and the bytes per record on the
 * broker. Every ratio is a median over rounds of ratios taken within one round (batches a few
 * hundred milliseconds apart in one JVM, thread CPU time), with quartiles.
 */
final class RoundTwo {

  /** Contender ids of run-micro-matrix.sh with their labels. */
  static final Map<String, String> LABELS = new LinkedHashMap<>();

  static {
    LABELS.put("raw", "raw JCA AES-256-GCM, random nonce");
    LABELS.put("v1", "**Kafka Envelope**, format 1 (default), in-memory KMS header");
    LABELS.put("v6", "**Kafka Envelope**, format 6, in-memory KMS header");
    LABELS.put("v1-aws", "**Kafka Envelope**, format 1, AWS-sized header");
    LABELS.put("v6-aws", "**Kafka Envelope**, format 6, AWS-sized header");
    LABELS.put("v1-vault", "**Kafka Envelope**, format 1, Vault-sized header");
    LABELS.put("v6-vault", "**Kafka Envelope**, format 6, Vault-sized header");
    LABELS.put("core-v1", "serde-core's AesGcm alone, header as AAD (format 1)");
    LABELS.put("core-v6", "serde-core's AesGcm alone, record key, no AAD (format 6)");
  }

  /** One contender of one group: CPU ns per round (round order), B/op. */
  record Contender(String id, double[] ns, double bytesPerOp) {
    double medianNs() {
      return median(ns);
    }
  }

  /** One group: an operation at a size in one JVM. */
  record Group(String jvm, String name, String jdk, String aesGcm, String load,
      Map<String, Contender> contenders) {
    String op() {
      return name.substring(0, name.lastIndexOf('-'));
    }

    int size() {
      return Integer.parseInt(name.substring(name.lastIndexOf('-') + 1));
    }

    /** Per round, time(a) / time(b): above 1, b is faster. Median and quartiles. */
    Optional<double[]> ratio(String a, String b) {
      Contender ca = contenders.get(a);
      Contender cb = contenders.get(b);
      if (ca == null || cb == null) {
        return Optional.empty();
      }
      double[] r = new double[ca.ns().length];
      for (int i = 0; i < r.length; i++) {
        r[i] = ca.ns()[i] / cb.ns()[i];
      }
      double[] s = r.clone();
      Arrays.sort(s);
      return Optional.of(new double[] {median(r), s[r.length / 4], s[(3 * r.length) / 4]});
    }
  }

  private RoundTwo() {}

  /** Reads {@code label=path} pairs (the label names the JVM, e.g. {@code jdk17}). */
  static List<Group> read(String spec) throws IOException {
    List<Group> groups = new ArrayList<>();
    ObjectMapper m = new ObjectMapper();
    for (String part : spec.split(",")) {
      int eq = part.indexOf('=');
      String jvm = part.substring(0, eq);
      JsonNode root = m.readTree(new File(part.substring(eq + 1)));
      for (JsonNode g : root.path("groups")) {
        Map<String, Contender> cs = new LinkedHashMap<>();
        for (JsonNode c : g.path("contenders")) {
          double[] ns = new double[c.path("nsPerRound").size()];
          for (int i = 0; i < ns.length; i++) {
            ns[i] = c.path("nsPerRound").get(i).asDouble();
          }
          cs.put(c.path("label").asText(), new Contender(c.path("label").asText(), ns,
              c.path("bytesPerOp").asDouble()));
        }
        groups.add(new Group(jvm, g.path("name").asText(), g.path("jdk").asText(),
            g.path("aesGcm").asText(), g.path("loadStart").asText() + " → "
                + g.path("loadEnd").asText(), cs));
      }
    }
    return groups;
  }

  static Optional<Group> group(List<Group> gs, String jvm, String name) {
    return gs.stream().filter(g -> g.jvm().equals(jvm) && g.name().equals(name)).findFirst();
  }

  // ---------------------------------------------------------------------------------------------

  /** The charts, drawn into {@code images}; markdown links relative to the document. */
  static String charts(List<Group> gs, Path images, String link) throws IOException {
    StringBuilder sb = new StringBuilder();
    String jvm = gs.get(0).jvm();
    for (String op : List.of("serialize", "deserialize")) {
      Map<String, double[][]> series = new LinkedHashMap<>();
      for (String id : List.of("raw", "v1", "v6", "v1-aws", "v6-aws")) {
        List<double[]> pts = new ArrayList<>();
        for (Group g : gs) {
          if (g.jvm().equals(jvm) && g.op().equals(op) && g.contenders().containsKey(id)) {
            pts.add(new double[] {g.size(), g.contenders().get(id).medianNs()});
          }
        }
        pts.sort((a, b) -> Double.compare(a[0], b[0]));
        if (!pts.isEmpty()) {
          series.put(plain(LABELS.get(id)), new double[][] {
              pts.stream().mapToDouble(p -> p[0]).toArray(),
              pts.stream().mapToDouble(p -> p[1]).toArray()});
        }
      }
      String file = "perf-" + op + "-time-vs-size.png";
      Charts.line(images.resolve(file), op + ": CPU time per record (" + jvm + ", 1 thread)",
          "record size (bytes)", "ns per record (median of rounds)", true, true, series);
      sb.append("![").append(op).append(": time per record against record size](").append(link)
          .append('/').append(file).append(")\n\n");
    }
    List<String> jvms = gs.stream().map(Group::jvm).distinct().toList();
    for (String op : List.of("serialize", "deserialize")) {
      Map<String, List<Double>> series = new LinkedHashMap<>();
      List<String> ids = List.of("raw", "v1", "v6", "v1-aws", "v6-aws");
      for (String j : jvms) {
        List<Double> ys = new ArrayList<>();
        for (String id : ids) {
          ys.add(group(gs, j, op + "-1024").map(g -> g.contenders().get(id))
              .map(Contender::medianNs).orElse(Double.NaN));
        }
        series.put(j, ys);
      }
      String file = "perf-" + op + "-cpu-1k-by-jdk.png";
      Charts.bars(images.resolve(file), op + " 1 KiB: CPU time per record by JVM",
          "ns per record", List.of("raw JCA", "format 1", "format 6", "format 1, AWS hdr",
              "format 6, AWS hdr"), series);
      sb.append("![").append(op).append(" 1 KiB: CPU per record by JVM](").append(link)
          .append('/').append(file).append(")\n\n");
    }
    return sb.toString().strip();
  }

  private static String plain(String label) {
    return label.replace("**", "");
  }

  // ---------------------------------------------------------------------------------------------

  /** The issue-21 targets, judged on the JDK 17 (SunJCE) run. */
  static String targets(List<Group> gs, String jvm) {
    StringBuilder sb = new StringBuilder("| target | format 1 (default) | format 6 | verdict |\n"
        + "|---|---|---|---|\n");
    Optional<Group> ser = group(gs, jvm, "serialize-1024");
    Optional<Group> de = group(gs, jvm, "deserialize-1024");
    if (ser.isEmpty() || de.isEmpty()) {
      return "(no alternating run on " + jvm + ")";
    }
    Group s = ser.get();
    Group d = de.get();
    row(sb, "serialize 1 KiB ≥ 1.2× raw JCA AES-GCM's throughput",
        s.ratio("raw", "v1"), s.ratio("raw", "v6"), 1.2, true);
    // ≤ 1.15× the time of the AesGcm call alone: time(ours)/time(core)
    row(sb, "serialize 1 KiB ≤ 1.15× the time of the `AesGcm` call alone (its own AAD mode)",
        s.ratio("v1", "core-v1"), s.ratio("v6", "core-v6"), 1.15, false);
    row(sb, "deserialize 1 KiB ≥ 1.0× raw's throughput",
        d.ratio("raw", "v1"), d.ratio("raw", "v6"), 1.0, true);
    row(sb, "serialize 1 KiB, AWS-sized header within 5% of the in-memory header (time ratio)",
        s.ratio("v1-aws", "v1"), s.ratio("v6-aws", "v6"), 1.05, false);
    row(sb, "deserialize 1 KiB, AWS-sized header within 5% of the in-memory header",
        d.ratio("v1-aws", "v1"), d.ratio("v6-aws", "v6"), 1.05, false);
    double raw = s.contenders().get("raw").bytesPerOp();
    double b1 = s.contenders().get("v1").bytesPerOp();
    double b6 = s.contenders().get("v6").bytesPerOp();
    sb.append("| allocation per 1 KiB serialize ≤ raw JCA's + 64 B (raw: ")
        .append(PerformanceReport.bytes(raw)).append(") | ").append(PerformanceReport.bytes(b1))
        .append(" (").append(signed(b1 - raw)).append(") | ")
        .append(PerformanceReport.bytes(b6)).append(" (").append(signed(b6 - raw)).append(") | ")
        .append(verdict(b1 - raw <= 64, b6 - raw <= 64)).append(" |\n");
    return sb.toString();
  }

  private static void row(StringBuilder sb, String what, Optional<double[]> f1,
      Optional<double[]> f6, double limit, boolean atLeast) {
    sb.append("| ").append(what).append(" | ").append(ratioCell(f1)).append(" | ")
        .append(ratioCell(f6)).append(" | ");
    boolean m1 = f1.isPresent() && (atLeast ? f1.get()[0] >= limit : f1.get()[0] <= limit);
    boolean m6 = f6.isPresent() && (atLeast ? f6.get()[0] >= limit : f6.get()[0] <= limit);
    sb.append(verdict(m1, m6)).append(" |\n");
  }

  private static String verdict(boolean f1, boolean f6) {
    return "format 1: " + (f1 ? "met" : "**missed**") + "; format 6: " + (f6 ? "met"
        : "**missed**");
  }

  static String ratioCell(Optional<double[]> r) {
    return r.map(x -> String.format(Locale.ROOT, "%.3f× (%.3f–%.3f)", x[0], x[1], x[2]))
        .orElse("–");
  }

  private static String signed(double b) {
    return String.format(Locale.ROOT, "%+,.0f B", b);
  }

  // ---------------------------------------------------------------------------------------------

  /** One table per JVM: every group, every contender. */
  static String tables(List<Group> gs) {
    StringBuilder sb = new StringBuilder();
    for (String jvm : gs.stream().map(Group::jvm).distinct().toList()) {
      List<Group> mine = gs.stream().filter(g -> g.jvm().equals(jvm)).toList();
      Group first = mine.get(0);
      sb.append("#### ").append(jvm).append(": ").append(first.jdk()).append(", AES-GCM via ")
          .append(first.aesGcm()).append("\n\n");
      sb.append("CPU time per record, median over rounds (quartiles); throughput against raw JCA "
          + "AES-GCM in the same rounds (above 1: faster than raw); bytes allocated per record. "
          + "Load average per group: ");
      sb.append(String.join("; ", mine.stream().map(g -> g.name() + " " + g.load()).toList()))
          .append(".\n\n");
      sb.append("| operation | size | contender | CPU ns/record | vs raw | B/record |\n"
          + "|---|---|---|---|---|---|\n");
      for (Group g : mine) {
        for (Contender c : g.contenders().values()) {
          double[] sorted = c.ns().clone();
          Arrays.sort(sorted);
          sb.append("| ").append(g.op()).append(" | ").append(PerformanceReport.sizeLabel(g.size()))
              .append(" | ").append(LABELS.getOrDefault(c.id(), c.id())).append(" | ")
              .append(String.format(Locale.ROOT, "%,.0f (%,.0f–%,.0f)", c.medianNs(),
                  sorted[sorted.length / 4], sorted[(3 * sorted.length) / 4]))
              .append(" | ").append(c.id().equals("raw") ? "1" : ratioCell(g.ratio("raw", c.id())))
              .append(" | ").append(PerformanceReport.bytes(c.bytesPerOp())).append(" |\n");
        }
      }
      sb.append('\n');
    }
    return sb.toString().strip();
  }

  /** JDK 25 and ACCP against JDK 17 at 1 KiB: what upgrading buys, per contender. */
  static String matrix(List<Group> gs) {
    List<String> jvms = gs.stream().map(Group::jvm).distinct().toList();
    StringBuilder sb = new StringBuilder("| operation 1 KiB | contender | ");
    sb.append(String.join(" | ", jvms)).append(" |\n|---|---|");
    sb.append("---|".repeat(jvms.size())).append('\n');
    for (String op : List.of("serialize", "deserialize")) {
      for (String id : List.of("raw", "v1", "v6", "v1-aws", "v6-aws")) {
        sb.append("| ").append(op).append(" | ").append(LABELS.get(id)).append(" | ");
        for (String j : jvms) {
          Optional<Group> g = group(gs, j, op + "-1024");
          sb.append(g.map(x -> x.contenders().get(id)).map(c -> String.format(Locale.ROOT,
              "%,.0f ns", c.medianNs())).orElse("–"));
          if (!id.equals("raw")) {
            sb.append(g.flatMap(x -> x.ratio("raw", id)).map(r -> String.format(Locale.ROOT,
                " (%.2f× raw)", r[0])).orElse(""));
          }
          sb.append(" | ");
        }
        sb.setLength(sb.length() - 1);
        sb.append('\n');
      }
    }
    return sb.toString();
  }

  // ---------------------------------------------------------------------------------------------

  /** Bytes per record on the broker, from BatchBytes. */
  static String bytesTable(JsonNode bytes) {
    StringBuilder sb = new StringBuilder("Record batches built with kafka-clients' "
        + "`MemoryRecordsBuilder` (the producer's own batch code; no broker, so nothing depends on "
        + "timing), " + bytes.path("batchSize").asInt() + "-byte `batch.size` worth of "
        + "uncompressed plaintext records per batch (the same count for every contender), "
        + "distinct JSON-like values. Bytes per record include the batch header, record framing "
        + "and record headers (the envelope header rides in one).\n\n");
    sb.append("| record | batch compression | contender | bytes per record on the broker | vs "
        + "plaintext |\n|---|---|---|---|---|\n");
    Map<String, Double> plain = new LinkedHashMap<>();
    for (JsonNode r : bytes.path("rows")) {
      if (r.path("contender").asText().equals("plaintext")) {
        plain.put(r.path("size").asInt() + "/" + r.path("codec").asText(),
            r.path("bytesPerRecord").asDouble());
      }
    }
    for (JsonNode r : bytes.path("rows")) {
      double b = r.path("bytesPerRecord").asDouble();
      Double p = plain.get(r.path("size").asInt() + "/" + r.path("codec").asText());
      sb.append("| ").append(PerformanceReport.sizeLabel(r.path("size").asInt())).append(" | ")
          .append(r.path("codec").asText()).append(" | ").append(r.path("contender").asText())
          .append(" | ").append(String.format(Locale.ROOT, "%,.1f", b)).append(" | ")
          .append(p == null ? "–" : String.format(Locale.ROOT, "%.2f×", b / p)).append(" |\n");
    }
    return sb.toString();
  }

  static double median(double[] values) {
    double[] v = values.clone();
    Arrays.sort(v);
    int m = v.length / 2;
    return v.length % 2 == 1 ? v[m] : (v[m - 1] + v[m]) / 2;
  }
}
