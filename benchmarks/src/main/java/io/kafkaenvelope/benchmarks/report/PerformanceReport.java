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
  /** The end-to-end mode in which the serializer compresses before encrypting (opt-in). */
  static final String ENVELOPE_COMPRESSED = "envelope-compressed";

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
    if (!a.containsKey("--out") || !a.containsKey("--jmh") && !a.containsKey("--alternating")) {
      System.err.println("usage: [--jmh jmh.json] [--jmh-accp jmh-accp.json] "
          + "[--paired paired.json] [--e2e e2e.json] [--e2e-cpu e2e-cpu.json] "
          + "[--profile profile.txt] "
          + "[--alternating jdk17=a.json,jdk25=b.json,...] [--bytes bytes.json] "
          + "[--images docs/images] [--images-link images] "
          + "[--note text] [--template template.md] --out report.md");
      System.exit(2);
    }
    String template = a.containsKey("--template") ? Files.readString(Path.of(a.get("--template")))
        : "{{machine}}\n\n{{targets}}\n\n{{micro}}\n\n{{ratios}}\n\n{{accp}}\n\n{{e2e}}\n";
    Map<String, String> parts = new LinkedHashMap<>();
    if (a.containsKey("--jmh")) {
      jmhParts(a, parts);
    }
    if (a.containsKey("--alternating")) {
      List<RoundTwo.Group> groups = RoundTwo.read(a.get("--alternating"));
      String first = groups.get(0).jvm();
      parts.put("charts", RoundTwo.charts(groups, Path.of(a.getOrDefault("--images",
          "docs/images")), a.getOrDefault("--images-link", "images")));
      parts.put("round2targets", RoundTwo.targets(groups, first));
      parts.put("jdkmatrix", RoundTwo.matrix(groups));
      parts.put("alternating", RoundTwo.tables(groups));
      parts.put("round2note", a.getOrDefault("--note", "").strip());
    }
    if (a.containsKey("--bytes")) {
      parts.put("bytes", RoundTwo.bytesTable(new ObjectMapper().readTree(
          new File(a.get("--bytes")))));
    }
    String out = template;
    for (Map.Entry<String, String> e : parts.entrySet()) {
      out = out.replace("{{" + e.getKey() + "}}", e.getValue());
    }
    Files.writeString(Path.of(a.get("--out")), out);
    System.out.println("wrote " + a.get("--out"));
  }

  /** The parts made from the JMH runs (and the end-to-end run and profile, when given). */
  private static void jmhParts(Map<String, String> a, Map<String, String> parts)
      throws IOException {
    JmhResults jmh = JmhResults.read(a.get("--jmh"));
    JmhResults accp = a.containsKey("--jmh-accp") ? JmhResults.read(a.get("--jmh-accp"))
        : null;
    JsonNode e2e = a.containsKey("--e2e") ? new ObjectMapper().readTree(new File(a.get("--e2e")))
        : null;
    String profile = a.containsKey("--profile")
        ? Files.readString(Path.of(a.get("--profile"))).strip() : "(no profile in this run)";
    parts.put("machine", machine(jmh, e2e, a.getOrDefault("--note", "")));
    parts.put("micro", microTables(jmh));
    parts.put("ratios", ratios(jmh));
    JsonNode paired = a.containsKey("--paired")
        ? new ObjectMapper().readTree(new File(a.get("--paired"))) : null;
    List<Verdict> verdicts = verdicts(jmh, e2e, paired);
    parts.put("targets", targets(verdicts));
    parts.put("summary", summary(verdicts, java.time.LocalDate.now(java.time.ZoneOffset.UTC)
        .toString()));
    parts.put("paired", pairedTable(paired));
    parts.put("accp", accp == null ? "(no run with the provider on the classpath)"
        : accpTable(jmh, accp));
    parts.put("e2e", e2e == null ? "(no end-to-end run)" : e2eTables(e2e));
    parts.put("profile", profile);
    // per-process CPU with TLS as the yardstick (ProcessCpuBenchmark), rendered on its own
    parts.put("e2e-cpu", a.containsKey("--e2e-cpu")
        ? ProcessCpuReport.render(new ObjectMapper().readTree(new File(a.get("--e2e-cpu"))))
        : "(no per-process CPU run)");
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

  /** One target's outcome: the table row and the summary line come from the same record. */
  record Verdict(String what, Optional<Double> ratio, double min, String detail) {
    boolean measured() {
      return ratio.isPresent();
    }

    boolean met() {
      return ratio.isPresent() && ratio.get() >= min;
    }

    /** Within 1% of the line, where two decimals would hide which side of it the ratio is. */
    boolean close() {
      return ratio.isPresent() && Math.abs(ratio.get() - min) < 0.01 * min;
    }
  }

  static String targets(JmhResults jmh, JsonNode e2e) {
    return targets(verdicts(jmh, e2e, null));
  }

  static String targets(List<Verdict> verdicts) {
    StringBuilder sb = new StringBuilder();
    sb.append("| target | measured | verdict |\n|---|---|---|\n");
    for (Verdict v : verdicts) {
      sb.append("| ").append(v.what()).append(" | ");
      if (!v.measured()) {
        sb.append("not measured in this run | – |\n");
        continue;
      }
      sb.append(v.detail()).append(" | ").append(v.met() ? "met" : "**missed**")
          .append(v.close() ? " (" + precise(v.ratio().get()) + ")" : "").append(" |\n");
    }
    return sb.toString().strip();
  }

  /** The targets of the issue, each judged on this run's numbers. */
  static List<Verdict> verdicts(JmhResults jmh, JsonNode e2e, JsonNode paired) {
    List<Verdict> out = new ArrayList<>();
    for (int threads : threadCounts(jmh)) {
      String t = threads == 1 ? "1 thread" : threads + " threads";
      Optional<JsonNode> pair = pairFor(paired, "serialize", "envelope", "rawAesGcm", KIB, threads);
      Optional<Double> longRun = ratio(jmh, "serialize", "envelope", "rawAesGcm", KIB, threads);
      if (pair.isPresent()) {
        // The margin here is smaller than the machine's drift between two long runs minutes
        // apart, so the verdict comes from the alternating runs; the long run is shown beside it.
        JsonNode p = pair.get();
        out.add(new Verdict("serializer no slower than raw AES-GCM at 1 KiB (" + t + ")",
            Optional.of(p.path("medianRatio").asDouble()), 1.0,
            times(p.path("medianRatio").asDouble()) + " raw's throughput: median of "
                + p.path("rounds").size() + " alternating runs (" + pairedMedians(p)
                + "); the single long run in the tables: "
                + longRun.map(PerformanceReport::times).orElse("–")));
      } else {
        out.add(new Verdict("serializer no slower than raw AES-GCM at 1 KiB (" + t + ")",
            longRun, 1.0, longRun.isEmpty() ? "" : times(longRun.get()) + " raw's throughput ("
                + nsPair(jmh, "serialize", "envelope", "rawAesGcm", KIB, threads) + ")"));
      }
      Optional<Double> mib = ratio(jmh, "serialize", "envelope", "rawAesGcm", MIB, threads);
      out.add(new Verdict("serializer ≥ 0.9× raw AES-GCM's throughput at 1 MiB (" + t + ")", mib,
          0.9, mib.isEmpty() ? "" : times(mib.get()) + " (" + mbPair(jmh, "serialize", "envelope",
              "rawAesGcm", MIB, threads) + ")"));
    }
    Optional<Double> esdk = ratio(jmh, "serialize", "envelope", "awsEsdkCaching", KIB, 1);
    out.add(new Verdict("serializer ≥ 20× faster than the AWS Encryption SDK with caching at 1 KiB",
        esdk, 20.0, esdk.isEmpty() ? "" : times(esdk.get()) + " (" + nsPair(jmh, "serialize",
            "envelope", "awsEsdkCaching", KIB, 1) + ")"));
    if (e2e != null) {
      for (String codec : codecs(e2e)) {
        for (String side : List.of("produce", "consume")) {
          Optional<Double> r = medianRatio(e2e, codec, side + "RecordsPerSec");
          out.add(new Verdict("end-to-end " + side + " throughput encrypted ≥ 0.9× plaintext ("
              + codec + ")", r, 0.9,
              r.isEmpty() ? "" : times(r.get()) + " (median of per-round ratios)"));
          List<Double> opt = perRoundRatios(e2e, codec, ENVELOPE_COMPRESSED, side
              + "RecordsPerSec");
          if (!opt.isEmpty()) {
            double m = medianOf(opt);
            out.add(new Verdict("end-to-end " + side + " throughput encrypted ≥ 0.9× plaintext ("
                + codec + "), with the opt-in `envelope.compression.type=" + codec + "`",
                Optional.of(m), 0.9, times(m) + " (median of per-round ratios)"));
          }
        }
      }
    }
    return out;
  }

  /** One paragraph: which targets this run met and which it missed, with the numbers. */
  static String summary(List<Verdict> verdicts, String date) {
    List<String> met = new ArrayList<>();
    List<String> missed = new ArrayList<>();
    for (Verdict v : verdicts) {
      if (v.measured()) {
        (v.met() ? met : missed).add(v.what() + ": "
            + (v.close() ? precise(v.ratio().get()) : times(v.ratio().get())));
      }
    }
    return "Summary of one full run on " + date + " (tables and verdicts below).\n\nMet:\n"
        + bullets(met) + "\n\nMissed:\n" + bullets(missed);
  }

  private static String bullets(List<String> lines) {
    return lines.isEmpty() ? "- none" : "- " + String.join("\n- ", lines);
  }

  // ---------------------------------------------------------------------------------------------

  static Optional<JsonNode> pairFor(JsonNode paired, String group, String ours, String other,
      int size, int threads) {
    if (paired == null) {
      return Optional.empty();
    }
    for (JsonNode p : paired.path("pairs")) {
      if (p.path("group").asText().equals(group) && p.path("ours").asText().equals(ours)
          && p.path("other").asText().equals(other) && p.path("size").asInt() == size
          && p.path("threads").asInt() == threads && p.path("rounds").size() > 0) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }

  /** "ours 1,201 ns, raw 1,263 ns" from the medians of the alternating runs' scores. */
  private static String pairedMedians(JsonNode p) {
    List<Double> ours = new ArrayList<>();
    List<Double> other = new ArrayList<>();
    p.path("rounds").forEach(r -> {
      ours.add(r.path("oursNs").asDouble());
      other.add(r.path("otherNs").asDouble());
    });
    return "ours " + time(medianOf(ours)) + ", " + LABELS.get(p.path("other").asText())
        .replaceAll("\\*", "") + " " + time(medianOf(other)) + " by median";
  }

  /** Every alternating pair with its per-run ratios. */
  static String pairedTable(JsonNode paired) {
    if (paired == null || paired.path("pairs").isEmpty()) {
      return "(no alternating runs in this run)";
    }
    StringBuilder sb = new StringBuilder();
    sb.append("Short JMH runs (").append(paired.path("iterations").asText())
        .append(" each) of ours and one other contender, alternating A B, B A, ...; each ratio is "
            + "the other's time per record over ours in one adjacent pair.\n\n");
    sb.append("| operation | size | threads | vs | ratio per pair | median |\n");
    sb.append("|---|---|---|---|---|---|\n");
    for (JsonNode p : paired.path("pairs")) {
      List<String> per = new ArrayList<>();
      p.path("rounds").forEach(r -> per.add(times(r.path("otherNs").asDouble()
          / r.path("oursNs").asDouble())));
      sb.append("| ").append(p.path("group").asText()).append(" | ")
          .append(sizeLabel(p.path("size").asInt())).append(" | ")
          .append(p.path("threads").asInt()).append(" | ")
          .append(LABELS.get(p.path("other").asText())).append(" | ")
          .append(String.join(", ", per)).append(" | **")
          .append(times(p.path("medianRatio").asDouble())).append("** |\n");
    }
    return sb.toString().strip();
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
            + "round and codec plaintext and encrypted (and, with a codec, encrypted with the "
            + "serializer compressing each record first) run back to back, the order reversed "
            + "every round. Producer: acks=%s, linger.ms=%d, batch.size=%,d, one partition; "
            + "figures are medians over the rounds.%n%n",
        e2e.path("records").asLong(), e2e.path("recordSize").asInt(), e2e.path("rounds").asInt(),
        e2e.path("acks").asText(), e2e.path("lingerMs").asInt(), e2e.path("batchSize").asInt()));
    sb.append("| codec | mode | produce rec/s | produce MB/s | consume rec/s | consume MB/s | "
        + "bytes sent by producer | KMS calls per run (generate / unwrap) |\n");
    sb.append("|---|---|---|---|---|---|---|---|\n");
    for (String codec : codecs(e2e)) {
      for (String mode : List.of("plaintext", "encrypted", ENVELOPE_COMPRESSED)) {
        List<JsonNode> rs = runs(e2e, codec, mode);
        if (rs.isEmpty()) {
          continue;
        }
        sb.append("| ").append(codec).append(" | ").append(mode.equals(ENVELOPE_COMPRESSED)
                ? "encrypted, compressed by the serializer" : mode).append(" | ")
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
        + "median:\n\n| codec | encrypted how | side | per round | median |\n"
        + "|---|---|---|---|---|\n");
    for (String codec : codecs(e2e)) {
      for (String mode : List.of("encrypted", ENVELOPE_COMPRESSED)) {
        for (String side : List.of("produce", "consume")) {
          List<Double> per = perRoundRatios(e2e, codec, mode, side + "RecordsPerSec");
          if (per.isEmpty()) {
            continue;
          }
          sb.append("| ").append(codec).append(" | ").append(mode.equals(ENVELOPE_COMPRESSED)
                  ? "`envelope.compression.type=" + codec + "`, producer `none`"
                  : "`compression.type=" + codec + "` (default serde)").append(" | ")
              .append(side).append(" | ")
              .append(String.join(", ", per.stream().map(PerformanceReport::times).toList()))
              .append(" | ").append(times(medianOf(per))).append(" |\n");
        }
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
    return perRoundRatios(e2e, codec, "encrypted", field);
  }

  /** Per round: {@code mode}'s {@code field} over plaintext's, same codec. */
  static List<Double> perRoundRatios(JsonNode e2e, String codec, String mode, String field) {
    List<Double> out = new ArrayList<>();
    for (JsonNode enc : runs(e2e, codec, mode)) {
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

  static String precise(double x) {
    return String.format(Locale.ROOT, "%.3f×", x);
  }

  static String times(double x) {
    return String.format(Locale.ROOT, x >= 10 ? "%.0f×" : "%.2f×", x);
  }

  static String count(double x) {
    return String.format(Locale.ROOT, "%,.0f", x);
  }
}
