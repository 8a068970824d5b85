package io.kafkaenvelope.benchmarks.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kafkaenvelope.benchmarks.report.JmhResults.Row;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Turns one benchmark run (JMH's JSON results, the end-to-end harness's JSON) into the tables,
 * ratios and target verdicts of {@code docs/performance.md}, so the document is generated from
 * the run rather than copied by hand. Prose lives in a template with {@code {{placeholders}}}.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar io.kafkaenvelope.benchmarks.report.PerformanceReport \
 *     --jmh benchmarks/target/jmh.json --jmh-accp benchmarks/target/jmh-accp.json \
 *     --e2e benchmarks/target/e2e.json --profile benchmarks/target/profile.txt \
 *     --note "load average 1.2 at start" \
 *     --template benchmarks/performance-template.md --out docs/performance.md
 * </pre>
 */
public final class PerformanceReport {

  static final int KIB = 1024;
  static final int MIB = 1024 * 1024;

  /** Contender ids as the benchmark methods name them, with their labels in the tables. */
  static final Map<String, String> LABELS = new LinkedHashMap<>();

  static {
    LABELS.put("plaintext", "plaintext ByteArray(De)Serializer (floor)");
    LABELS.put("envelope", "**Kafka Envelope** (headers)");
    LABELS.put("envelopeInline", "**Kafka Envelope** (inline, no headers)");
    LABELS.put("rawAesGcm", "raw JCA AES-256-GCM, random nonce");
    LABELS.put("rawAesGcmAad", "raw JCA AES-256-GCM + AAD as long as our header");
    LABELS.put("aesGcmCore", "serde-core's AesGcm alone (counter nonce, our header as AAD)");
    LABELS.put("tinkAead", "Tink AEAD (AES256_GCM)");
    LABELS.put("awsEsdkCaching", "AWS Encryption SDK 3, caching CMM");
    LABELS.put("tinkKmsEnvelope", "Tink KmsEnvelopeAead, local KEK");
  }

  private PerformanceReport() {}

  public static void main(String[] args) throws IOException {
    Map<String, String> a = new LinkedHashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      a.put(args[i], args[i + 1]);
    }
    if (!a.containsKey("--jmh") || !a.containsKey("--out")) {
      System.err.println("usage: --jmh jmh.json [--jmh-accp jmh-accp.json] [--e2e e2e.json] "
          + "[--profile profile.txt] [--note text] [--template template.md] --out report.md");
      System.exit(2);
    }
    JmhResults jmh = JmhResults.read(a.get("--jmh"));
    JmhResults accp = a.containsKey("--jmh-accp") ? JmhResults.read(a.get("--jmh-accp"))
        : null;
    JsonNode e2e = a.containsKey("--e2e") ? new ObjectMapper().readTree(new File(a.get("--e2e")))
        : null;
    String profile = a.containsKey("--profile")
        ? Files.readString(Path.of(a.get("--profile"))).strip() : "(no profile in this run)";
    String template = a.containsKey("--template") ? Files.readString(Path.of(a.get("--template")))
        : "{{machine}}\n\n{{targets}}\n\n{{micro}}\n\n{{ratios}}\n\n{{accp}}\n\n{{e2e}}\n";

    Map<String, String> parts = new LinkedHashMap<>();
    parts.put("machine", machine(jmh, e2e, a.getOrDefault("--note", "")));
    parts.put("micro", microTables(jmh));
    parts.put("ratios", ratios(jmh));
    parts.put("targets", targets(jmh, e2e));
    parts.put("accp", accp == null ? "(no run with the provider on the classpath)"
        : accpTable(jmh, accp));
    parts.put("e2e", e2e == null ? "(no end-to-end run)" : e2eTables(e2e));
    parts.put("profile", profile);
    String out = template;
    for (Map.Entry<String, String> e : parts.entrySet()) {
      out = out.replace("{{" + e.getKey() + "}}", e.getValue());
    }
    Files.writeString(Path.of(a.get("--out")), out);
    System.out.println("wrote " + a.get("--out"));
  }

  // ---------------------------------------------------------------------------------------------

  static String machine(JmhResults jmh, JsonNode e2e, String note) throws IOException {
    Properties v = versions();
    StringBuilder sb = new StringBuilder();
    sb.append("| | |\n|---|---|\n");
    sb.append("| CPU | ").append(cpuModel()).append(", ")
        .append(Runtime.getRuntime().availableProcessors()).append(" cores |\n");
    sb.append("| JDK | ").append(jmh.jvm).append(" |\n");
    sb.append("| JMH | ").append(jmh.jmhVersion).append(", warm-up ").append(jmh.warmup)
        .append(", measurement ").append(jmh.measurement)
        .append(", average time, `-prof gc`; set-ups at 16 KiB and up first run 16 KiB AES-GCM "
            + "round trips until a 1 MiB round trip exceeds 1 GB/s each way, so SunJCE's "
            + "large-input path is C2-compiled (intrinsics) before measuring |\n");
    sb.append("| Libraries | Kafka clients ").append(v.getProperty("kafka")).append(", Tink ")
        .append(v.getProperty("tink")).append(", AWS Encryption SDK ")
        .append(v.getProperty("esdk")).append(", ACCP ").append(v.getProperty("accp"))
        .append(" |\n");
    if (e2e != null) {
      sb.append("| End-to-end run | ").append(e2e.path("started").asText()).append(" – ")
          .append(e2e.path("finished").asText()).append(", AES-GCM via ")
          .append(e2e.path("cipherProvider").asText()).append(" |\n");
    }
    if (!note.isEmpty()) {
      sb.append("| Conditions | ").append(note).append(" |\n");
    }
    return sb.toString();
  }

  static Properties versions() throws IOException {
    Properties p = new Properties();
    try (InputStream in = PerformanceReport.class.getResourceAsStream("versions.properties")) {
      if (in != null) {
        p.load(in);
      }
    }
    return p;
  }

  static String cpuModel() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"), StandardCharsets.UTF_8)) {
        if (line.startsWith("model name")) {
          return line.substring(line.indexOf(':') + 1).trim();
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux: fall through
    }
    return System.getProperty("os.arch");
  }

  // ---------------------------------------------------------------------------------------------

  static String microTables(JmhResults jmh) {
    StringBuilder sb = new StringBuilder();
    for (String group : List.of("serialize", "deserialize")) {
      for (int threads : threadCounts(jmh)) {
        List<Integer> sizes = sizes(jmh, group, threads);
        if (sizes.isEmpty()) {
          continue;
        }
        sb.append("#### ").append(group).append(", ").append(threads)
            .append(threads == 1 ? " thread" : " threads").append("\n\n");
        sb.append("Each cell: time per record · payload throughput (all threads) · bytes "
            + "allocated per record.\n\n");
        sb.append("| ").append(group).append(" |");
        for (int s : sizes) {
          sb.append(' ').append(sizeLabel(s)).append(" |");
        }
        sb.append("\n|---|");
        sizes.forEach(s -> sb.append("---|"));
        sb.append('\n');
        for (Map.Entry<String, String> c : LABELS.entrySet()) {
          boolean any = sizes.stream().anyMatch(s -> jmh.find(group, c.getKey(), s, threads)
              .isPresent());
          if (!any) {
            continue;
          }
          sb.append("| ").append(c.getValue()).append(" |");
          for (int s : sizes) {
            Optional<Row> r = jmh.find(group, c.getKey(), s, threads);
            sb.append(' ').append(r.map(PerformanceReport::cell).orElse("–")).append(" |");
          }
          sb.append('\n');
        }
        sb.append('\n');
      }
    }
    return sb.toString().strip();
  }

  static String cell(Row r) {
    return time(r.nsPerOp()) + " · " + rate(r.mbPerSec()) + " · " + bytes(r.bytesPerOp());
  }

  static String ratios(JmhResults jmh) {
    StringBuilder sb = new StringBuilder();
    sb.append("Throughput of Kafka Envelope divided by the other's (time per record of the other "
        + "divided by ours), from the same run: above 1 means we are faster.\n\n");
    for (String group : List.of("serialize", "deserialize")) {
      for (int threads : threadCounts(jmh)) {
        List<Integer> sizes = sizes(jmh, group, threads);
        if (sizes.isEmpty()) {
          continue;
        }
        sb.append("| ").append(group).append(", ").append(threads).append(" thr. | ");
        sb.append(String.join(" | ", sizes.stream().map(PerformanceReport::sizeLabel).toList()));
        sb.append(" |\n|---|");
        sizes.forEach(s -> sb.append("---|"));
        sb.append('\n');
        for (String other : List.of("rawAesGcm", "rawAesGcmAad", "aesGcmCore", "tinkAead",
            "awsEsdkCaching", "tinkKmsEnvelope")) {
          List<String> cells = new ArrayList<>();
          boolean any = false;
          for (int s : sizes) {
            Optional<Double> ratio = ratio(jmh, group, "envelope", other, s, threads);
            any |= ratio.isPresent();
            cells.add(ratio.map(PerformanceReport::times).orElse("–"));
          }
          if (any) {
            sb.append("| ours / ").append(LABELS.get(other)).append(" | ")
                .append(String.join(" | ", cells)).append(" |\n");
          }
        }
        sb.append('\n');
      }
    }
    return sb.toString().strip();
  }

  /** Throughput of {@code ours} over {@code other}: other's ns/op divided by ours. */
  static Optional<Double> ratio(JmhResults jmh, String group, String ours, String other, int size,
      int threads) {
    Optional<Row> a = jmh.find(group, ours, size, threads);
    Optional<Row> b = jmh.find(group, other, size, threads);
    if (a.isEmpty() || b.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(b.get().nsPerOp() / a.get().nsPerOp());
  }

  // ---------------------------------------------------------------------------------------------

  static String targets(JmhResults jmh, JsonNode e2e) {
    StringBuilder sb = new StringBuilder();
    sb.append("| target | measured | verdict |\n|---|---|---|\n");
    for (int threads : threadCounts(jmh)) {
      String t = threads == 1 ? "1 thread" : threads + " threads";
      target(sb, "serializer no slower than raw AES-GCM at 1 KiB (" + t + ")",
          ratio(jmh, "serialize", "envelope", "rawAesGcm", KIB, threads), 1.0,
          r -> times(r) + " raw's throughput (" + nsPair(jmh, "serialize", "envelope",
              "rawAesGcm", KIB, threads) + ")");
      target(sb, "serializer ≥ 0.9× raw AES-GCM's throughput at 1 MiB (" + t + ")",
          ratio(jmh, "serialize", "envelope", "rawAesGcm", MIB, threads), 0.9,
          r -> times(r) + " (" + mbPair(jmh, "serialize", "envelope", "rawAesGcm", MIB, threads)
              + ")");
    }
    target(sb, "serializer ≥ 20× faster than the AWS Encryption SDK with caching at 1 KiB",
        ratio(jmh, "serialize", "envelope", "awsEsdkCaching", KIB, 1), 20.0,
        r -> times(r) + " (" + nsPair(jmh, "serialize", "envelope", "awsEsdkCaching", KIB, 1)
            + ")");
    if (e2e != null) {
      for (String codec : codecs(e2e)) {
        for (String side : List.of("produce", "consume")) {
          Optional<Double> r = medianRatio(e2e, codec, side + "RecordsPerSec");
          target(sb, "end-to-end " + side + " throughput encrypted ≥ 0.9× plaintext ("
              + codec + ")", r, 0.9, x -> times(x) + " (median of per-round ratios)");
        }
      }
    }
    return sb.toString().strip();
  }

  private static void target(StringBuilder sb, String what, Optional<Double> ratio, double min,
      Function<Double, String> detail) {
    sb.append("| ").append(what).append(" | ");
    if (ratio.isEmpty()) {
      sb.append("not measured in this run | – |\n");
      return;
    }
    sb.append(detail.apply(ratio.get())).append(" | ")
        .append(ratio.get() >= min ? "met" : "**missed**").append(" |\n");
  }

  private static String nsPair(JmhResults jmh, String group, String ours, String other, int size,
      int threads) {
    return "ours " + time(jmh.find(group, ours, size, threads).get().nsPerOp()) + ", "
        + LABELS.get(other).replaceAll("\\*", "") + " "
        + time(jmh.find(group, other, size, threads).get().nsPerOp());
  }

  private static String mbPair(JmhResults jmh, String group, String ours, String other, int size,
      int threads) {
    return "ours " + rate(jmh.find(group, ours, size, threads).get().mbPerSec()) + ", raw "
        + rate(jmh.find(group, other, size, threads).get().mbPerSec());
  }

  // ---------------------------------------------------------------------------------------------

  static String accpTable(JmhResults sunJce, JmhResults accp) {
    StringBuilder sb = new StringBuilder();
    sb.append("| operation | size | contender | SunJCE | ACCP | ACCP / SunJCE |\n");
    sb.append("|---|---|---|---|---|---|\n");
    java.util.Set<String> seen = new java.util.HashSet<>();
    for (Row r : accp.rows) {
      Optional<Row> base = sunJce.find(r.group(), r.contender(), r.size(), r.threads());
      if (r.contender().equals("plaintext") || base.isEmpty()
          || !seen.add(r.group() + r.contender() + r.size() + "/" + r.threads())) {
        continue;
      }
      sb.append("| ").append(r.group()).append(r.threads() == 1 ? "" : " (" + r.threads()
          + " thr.)").append(" | ").append(sizeLabel(r.size())).append(" | ")
          .append(LABELS.get(r.contender())).append(" | ")
          .append(time(base.get().nsPerOp())).append(" · ").append(rate(base.get().mbPerSec()))
          .append(" | ").append(time(r.nsPerOp())).append(" · ").append(rate(r.mbPerSec()))
          .append(" | ").append(times(base.get().nsPerOp() / r.nsPerOp())).append(" |\n");
    }
    sb.append("\nWith the provider on the classpath, ours against raw AES-GCM through the same "
        + "provider (same run):\n\n| operation | size | ours / raw |\n|---|---|---|\n");
    for (String group : List.of("serialize", "deserialize")) {
      for (int s : sizes(accp, group, 1)) {
        Optional<Double> r = ratio(accp, group, "envelope", "rawAesGcm", s, 1);
        r.ifPresent(x -> sb.append("| ").append(group).append(" | ").append(sizeLabel(s))
            .append(" | ").append(times(x)).append(" |\n"));
      }
    }
    return sb.toString().strip();
  }

  // ---------------------------------------------------------------------------------------------

  static String e2eTables(JsonNode e2e) {
    StringBuilder sb = new StringBuilder();
    sb.append(String.format(Locale.ROOT, "%,d records of %,d bytes per run, %d rounds; in every "
            + "round and codec plaintext and encrypted run back to back, the order alternating "
            + "by round. Producer: acks=%s, linger.ms=%d, batch.size=%,d, one partition; "
            + "figures are medians over the rounds.%n%n",
        e2e.path("records").asLong(), e2e.path("recordSize").asInt(), e2e.path("rounds").asInt(),
        e2e.path("acks").asText(), e2e.path("lingerMs").asInt(), e2e.path("batchSize").asInt()));
    sb.append("| codec | mode | produce rec/s | produce MB/s | consume rec/s | consume MB/s | "
        + "bytes sent by producer | KMS calls per run (generate / unwrap) |\n");
    sb.append("|---|---|---|---|---|---|---|---|\n");
    for (String codec : codecs(e2e)) {
      for (String mode : List.of("plaintext", "encrypted")) {
        List<JsonNode> rs = runs(e2e, codec, mode);
        if (rs.isEmpty()) {
          continue;
        }
        sb.append("| ").append(codec).append(" | ").append(mode).append(" | ")
            .append(count(median(rs, "produceRecordsPerSec"))).append(" | ")
            .append(String.format(Locale.ROOT, "%.1f", median(rs, "produceMBPerSec")))
            .append(" | ").append(count(median(rs, "consumeRecordsPerSec"))).append(" | ")
            .append(String.format(Locale.ROOT, "%.1f", median(rs, "consumeMBPerSec")))
            .append(" | ").append(String.format(Locale.ROOT, "%.0f MB",
                median(rs, "producerOutgoingBytes") / 1e6))
            .append(" | ").append(kmsCalls(rs)).append(" |\n");
      }
    }
    sb.append("\nEncrypted / plaintext throughput, per round (same round, same codec) and the "
        + "median:\n\n| codec | side | per round | median |\n|---|---|---|---|\n");
    for (String codec : codecs(e2e)) {
      for (String side : List.of("produce", "consume")) {
        List<Double> per = perRoundRatios(e2e, codec, side + "RecordsPerSec");
        if (per.isEmpty()) {
          continue;
        }
        sb.append("| ").append(codec).append(" | ").append(side).append(" | ")
            .append(String.join(", ", per.stream().map(PerformanceReport::times).toList()))
            .append(" | ").append(times(medianOf(per))).append(" |\n");
      }
    }
    if (codecs(e2e).contains("none") && codecs(e2e).size() > 1) {
      sb.append("\nCiphertext does not compress, so for encrypted topics compression only costs "
          + "CPU. Encrypted with `compression.type=none` against plaintext with each codec "
          + "(same round; median):\n\n| plaintext codec | produce | consume |\n|---|---|---|\n");
      for (String codec : codecs(e2e)) {
        sb.append("| ").append(codec).append(" | ")
            .append(crossRatio(e2e, codec, "produceRecordsPerSec")).append(" | ")
            .append(crossRatio(e2e, codec, "consumeRecordsPerSec")).append(" |\n");
      }
    }
    return sb.toString().strip();
  }

  /** Median over rounds of encrypted-without-compression over plaintext-with-{@code codec}. */
  static String crossRatio(JsonNode e2e, String codec, String field) {
    List<Double> per = new ArrayList<>();
    for (JsonNode enc : runs(e2e, "none", "encrypted")) {
      for (JsonNode plain : runs(e2e, codec, "plaintext")) {
        if (plain.path("round").asInt() == enc.path("round").asInt()) {
          per.add(enc.path(field).asDouble() / plain.path(field).asDouble());
        }
      }
    }
    return per.isEmpty() ? "–" : times(medianOf(per));
  }

  private static String kmsCalls(List<JsonNode> rs) {
    TreeSet<String> distinct = new TreeSet<>();
    for (JsonNode r : rs) {
      distinct.add(r.path("kmsGenerateCalls").asInt() + " / " + r.path("kmsUnwrapCalls").asInt());
    }
    return String.join(", ", distinct);
  }

  static List<String> codecs(JsonNode e2e) {
    List<String> out = new ArrayList<>();
    for (JsonNode r : e2e.path("runs")) {
      String c = r.path("codec").asText();
      if (!out.contains(c)) {
        out.add(c);
      }
    }
    return out;
  }

  static List<JsonNode> runs(JsonNode e2e, String codec, String mode) {
    List<JsonNode> out = new ArrayList<>();
    for (JsonNode r : e2e.path("runs")) {
      if (r.path("codec").asText().equals(codec) && r.path("mode").asText().equals(mode)) {
        out.add(r);
      }
    }
    return out;
  }

  static List<Double> perRoundRatios(JsonNode e2e, String codec, String field) {
    List<Double> out = new ArrayList<>();
    for (JsonNode enc : runs(e2e, codec, "encrypted")) {
      for (JsonNode plain : runs(e2e, codec, "plaintext")) {
        if (plain.path("round").asInt() == enc.path("round").asInt()) {
          out.add(enc.path(field).asDouble() / plain.path(field).asDouble());
        }
      }
    }
    return out;
  }

  static Optional<Double> medianRatio(JsonNode e2e, String codec, String field) {
    List<Double> per = perRoundRatios(e2e, codec, field);
    return per.isEmpty() ? Optional.empty() : Optional.of(medianOf(per));
  }

  static double median(List<JsonNode> rs, String field) {
    return medianOf(rs.stream().map(r -> r.path(field).asDouble()).toList());
  }

  static double medianOf(List<Double> xs) {
    List<Double> s = new ArrayList<>(xs);
    s.sort(Double::compare);
    int n = s.size();
    return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
  }

  // ---------------------------------------------------------------------------------------------

  static List<Integer> threadCounts(JmhResults jmh) {
    return jmh.rows.stream().map(Row::threads).distinct().sorted().toList();
  }

  static List<Integer> sizes(JmhResults jmh, String group, int threads) {
    return jmh.rows.stream().filter(r -> r.group().equals(group) && r.threads() == threads)
        .map(Row::size).distinct().sorted().toList();
  }

  static String sizeLabel(int size) {
    if (size >= MIB && size % MIB == 0) {
      return size / MIB + " MiB";
    }
    if (size >= KIB && size % KIB == 0) {
      return size / KIB + " KiB";
    }
    return size + " B";
  }

  static String time(double ns) {
    if (ns < 10) {
      return String.format(Locale.ROOT, "%.1f ns", ns);
    }
    if (ns < 10_000) {
      return String.format(Locale.ROOT, "%,.0f ns", ns);
    }
    if (ns < 10_000_000) {
      return String.format(Locale.ROOT, "%,.1f µs", ns / 1e3);
    }
    return String.format(Locale.ROOT, "%,.1f ms", ns / 1e6);
  }

  static String rate(double mbPerSec) {
    if (mbPerSec >= 10_000) {
      return "(no work)"; // the floor returns its input: no bytes are processed
    }
    return String.format(Locale.ROOT, "%,.0f MB/s", mbPerSec);
  }

  static String bytes(double b) {
    if (Double.isNaN(b)) {
      return "– B";
    }
    return String.format(Locale.ROOT, "%,.0f B", b);
  }

  static String times(double x) {
    return String.format(Locale.ROOT, x >= 10 ? "%.0f×" : "%.2f×", x);
  }

  static String count(double x) {
    return String.format(Locale.ROOT, "%,.0f", x);
  }
}
