package io.kafkaenvelope.benchmarks.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * The per-process CPU section of docs/performance.md from one {@code ProcessCpuBenchmark} run:
 * CPU time per record of the producer and the consumer process for each contender (median over
 * rounds, with the range), each contender's median per-round ratio to plaintext, and the plain
 * answer to "does envelope encryption cost a client more or less CPU than TLS": per round, the
 * CPU envelope adds to plaintext against the CPU TLS adds, compared by their medians and counted
 * round by round.
 */
public final class ProcessCpuReport {

  static final List<String> CONTENDERS = List.of("plaintext", "tls", "envelope", "envelope-tls");
  static final Map<String, String> LABELS = Map.of(
      "plaintext", "plaintext",
      "tls", "TLS 1.3",
      "envelope", "**Kafka Envelope**",
      "envelope-tls", "**Kafka Envelope** + TLS 1.3");
  static final List<String> ROLES = List.of("produce", "consume");

  private ProcessCpuReport() {}

  public static void main(String[] args) throws IOException {
    System.out.println(render(new ObjectMapper().readTree(new File(args[0]))));
  }

  /** The markdown section for {@code run} (the benchmark's JSON). */
  public static String render(JsonNode run) {
    StringBuilder sb = new StringBuilder();
    sb.append(String.format(Locale.ROOT, "Run %s – %s, %d rounds, %s; child JVMs `%s`; TLS: %s."
            + "%n%n", run.path("started").asText(), run.path("finished").asText(),
        run.path("rounds").asInt(), run.path("jvm").asText(),
        String.join(" ", texts(run.path("childJvmOptions"))),
        run.path("tlsCipherSuite").asText("?")));
    List<String> verdicts = new ArrayList<>();
    for (int size : sizes(run)) {
      sb.append(String.format(Locale.ROOT, "**%s records** (%s measured per run after %s "
              + "warm-up records):%n%n", bytes(size), count(run, "records", size),
          count(run, "warmupRecords", size)));
      sb.append("| contender | producer CPU per record, median (range) | × plaintext | "
          + "consumer CPU per record, median (range) | × plaintext | KMS calls per run "
          + "(producer / consumer) |\n|---|---|---|---|---|---|\n");
      for (String c : CONTENDERS) {
        List<JsonNode> rs = runs(run, size, c);
        if (rs.isEmpty()) {
          continue;
        }
        sb.append("| ").append(LABELS.get(c));
        for (String role : ROLES) {
          double[] v = values(rs, role);
          sb.append(String.format(Locale.ROOT, " | %s (%s–%s) | %s", micros(median(v)),
              micros(min(v)), micros(max(v)),
              c.equals("plaintext") ? "1" : ratio(median(ratios(run, size, c, role)))));
        }
        sb.append(String.format(Locale.ROOT, " | %s / %s |%n", kms(rs, "produce"),
            kms(rs, "consume")));
      }
      sb.append('\n');
      String batching = batching(run, size);
      if (!batching.isEmpty()) {
        sb.append(batching).append("\n\n");
      }
      for (String role : ROLES) {
        String v = verdict(run, size, role);
        if (v != null) {
          verdicts.add(v);
        }
      }
    }
    if (!verdicts.isEmpty()) {
      sb.append("Envelope encryption against TLS, CPU added to the plaintext client (medians "
          + "over rounds of each round's difference to its own plaintext run):\n\n");
      verdicts.forEach(v -> sb.append("- ").append(v).append('\n'));
    }
    return sb.toString().stripTrailing();
  }

  /**
   * The batching each contender got (medians over rounds of the clients' own
   * {@code records-per-request-avg}) and the slowest producer rate of any run against its pace,
   * so a reader can see that the contenders were compared on equal batches. Empty for a run
   * without those fields.
   */
  static String batching(JsonNode run, int size) {
    if (!run.path("runs").path(0).has("produceRecordsPerRequest")) {
      return ""; // a run from before the harness recorded batching
    }
    StringBuilder sb = new StringBuilder("Batching, medians over rounds: records per produce "
        + "request");
    String[] names = {"produce", "consume"};
    for (String role : names) {
      if (role.equals("consume")) {
        sb.append("; records per fetch");
      }
      List<String> parts = new ArrayList<>();
      for (String c : CONTENDERS) {
        List<JsonNode> rs = runs(run, size, c);
        if (!rs.isEmpty()) {
          double m = median(rs.stream().mapToDouble(r -> r.path(role + "RecordsPerRequest")
              .asDouble(Double.NaN)).toArray());
          parts.add(LABELS.get(c).replace("**", "") + " " + String.format(Locale.ROOT, "%.0f", m));
        }
      }
      sb.append(' ').append(String.join(", ", parts));
    }
    double slowest = Double.MAX_VALUE;
    for (JsonNode r : run.path("runs")) {
      if (r.get("size").asInt() == size) {
        slowest = Math.min(slowest, r.path("produceRecordsPerSec").asDouble());
      }
    }
    JsonNode sizes = run.path("sizes");
    for (int i = 0; i < sizes.size(); i++) {
      if (sizes.get(i).asInt() == size && run.path("producerRates").has(i)) {
        sb.append(String.format(Locale.ROOT, ". Producer pace %,d records/s; the slowest run "
            + "kept %,.0f", run.path("producerRates").get(i).asInt(), slowest));
      }
    }
    return sb.append('.').toString();
  }

  /** "100 B, producer: envelope adds 0.41 µs, TLS 0.62 µs: envelope costs less (5 of 6 rounds)". */
  static String verdict(JsonNode run, int size, String role) {
    List<Double> env = added(run, size, "envelope", role);
    List<Double> tls = added(run, size, "tls", role);
    if (env.isEmpty() || tls.isEmpty()) {
      return null;
    }
    int rounds = Math.min(env.size(), tls.size());
    int envMore = 0;
    for (int i = 0; i < rounds; i++) {
      envMore += env.get(i) > tls.get(i) ? 1 : 0;
    }
    double me = median(env.stream().mapToDouble(Double::doubleValue).toArray());
    double mt = median(tls.stream().mapToDouble(Double::doubleValue).toArray());
    boolean more = me > mt;
    return String.format(Locale.ROOT, "%s, %s: envelope encryption adds %s of CPU per record, "
            + "TLS adds %s: **envelope costs %s CPU than TLS** (more in %d of %d rounds)",
        bytes(size), role.equals("produce") ? "producer" : "consumer", micros(me), micros(mt),
        more ? "more" : "less", envMore, rounds);
  }

  /** Per round (in round order): contender's CPU per record minus that round's plaintext one. */
  static List<Double> added(JsonNode run, int size, String contender, String role) {
    Map<Integer, Double> plain = byRound(run, size, "plaintext", role);
    Map<Integer, Double> other = byRound(run, size, contender, role);
    List<Double> out = new ArrayList<>();
    for (Map.Entry<Integer, Double> e : other.entrySet()) {
      if (plain.containsKey(e.getKey())) {
        out.add(e.getValue() - plain.get(e.getKey()));
      }
    }
    return out;
  }

  static double[] ratios(JsonNode run, int size, String contender, String role) {
    Map<Integer, Double> plain = byRound(run, size, "plaintext", role);
    return byRound(run, size, contender, role).entrySet().stream()
        .filter(e -> plain.containsKey(e.getKey()))
        .mapToDouble(e -> e.getValue() / plain.get(e.getKey())).toArray();
  }

  private static Map<Integer, Double> byRound(JsonNode run, int size, String contender,
      String role) {
    Map<Integer, Double> m = new LinkedHashMap<>();
    for (JsonNode r : runs(run, size, contender)) {
      m.put(r.get("round").asInt(), r.get(role + "CpuNsPerRecord").asDouble());
    }
    return m;
  }

  private static List<JsonNode> runs(JsonNode run, int size, String contender) {
    List<JsonNode> out = new ArrayList<>();
    for (JsonNode r : run.path("runs")) {
      if (r.get("size").asInt() == size && r.get("contender").asText().equals(contender)) {
        out.add(r);
      }
    }
    return out;
  }

  private static TreeSet<Integer> sizes(JsonNode run) {
    TreeSet<Integer> s = new TreeSet<>();
    run.path("runs").forEach(r -> s.add(r.get("size").asInt()));
    return s;
  }

  private static String count(JsonNode run, String field, int size) {
    JsonNode sizes = run.path("sizes");
    for (int i = 0; i < sizes.size(); i++) {
      if (sizes.get(i).asInt() == size) {
        return String.format(Locale.ROOT, "%,d", run.path(field).get(i).asLong());
      }
    }
    return "?";
  }

  private static String kms(List<JsonNode> rs, String role) {
    TreeSet<Long> calls = new TreeSet<>();
    rs.forEach(r -> calls.add(r.path(role + "KmsCalls").asLong()));
    return calls.size() == 1 ? String.valueOf(calls.first())
        : calls.first() + "–" + calls.last();
  }

  private static double[] values(List<JsonNode> rs, String role) {
    return rs.stream().mapToDouble(r -> r.get(role + "CpuNsPerRecord").asDouble()).toArray();
  }

  private static List<String> texts(JsonNode a) {
    List<String> l = new ArrayList<>();
    a.forEach(x -> l.add(x.asText()));
    return l;
  }

  static double median(double[] v) {
    if (v.length == 0) {
      return Double.NaN;
    }
    double[] s = v.clone();
    Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }

  private static double min(double[] v) {
    return Arrays.stream(v).min().orElse(Double.NaN);
  }

  private static double max(double[] v) {
    return Arrays.stream(v).max().orElse(Double.NaN);
  }

  static String micros(double ns) {
    return String.format(Locale.ROOT, "%.2f µs", ns / 1000);
  }

  private static String ratio(double r) {
    return String.format(Locale.ROOT, "%.2f×", r);
  }

  private static String bytes(int size) {
    return size % 1024 == 0 ? size / 1024 + " KiB" : size + " B";
  }
}
