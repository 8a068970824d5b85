package io.kafkaenvelope.benchmarks.micro;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.File;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

/**
 * Ours against one other contender in short JMH runs that alternate (A B, B A, A B, ...), for the
 * targets whose margin is smaller than this machine's drift: on a shared 2-core VM one benchmark's
 * score moves by 20% between minutes, so two long runs taken minutes apart can show a 10% gap
 * that is only the machine. The ratio of each adjacent pair sees nearly the same conditions; the
 * report takes their median.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar io.kafkaenvelope.benchmarks.micro.PairedRuns \
 *     --rounds 8 --out benchmarks/target/results/paired.json
 * </pre>
 */
public final class PairedRuns {

  /** group, our method, the other's method, size, threads. */
  record Pair(String benchmarkClass, String group, String ours, String other, int size,
      int threads) {}

  static final List<Pair> PAIRS = List.of(
      new Pair("SerializeBenchmark", "serialize", "envelope", "rawAesGcm", 1024, 1),
      new Pair("DeserializeBenchmark", "deserialize", "envelope", "rawAesGcm", 1024, 1));

  private PairedRuns() {}

  public static void main(String[] args) throws IOException, RunnerException {
    Map<String, String> a = new java.util.HashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      a.put(args[i], args[i + 1]);
    }
    int rounds = Integer.parseInt(a.getOrDefault("--rounds", "8"));
    int iterations = Integer.parseInt(a.getOrDefault("--iterations", "3"));
    String out = a.getOrDefault("--out", "benchmarks/target/results/paired.json");

    ObjectMapper m = new ObjectMapper();
    ObjectNode root = m.createObjectNode();
    root.put("started", Instant.now().toString());
    root.put("iterations", iterations + " warm-up + " + iterations + " measurement × 1 s, 1 fork");
    ArrayNode pairs = root.putArray("pairs");
    for (Pair p : PAIRS) {
      ObjectNode pn = pairs.addObject();
      pn.put("group", p.group()).put("ours", p.ours()).put("other", p.other())
          .put("size", p.size()).put("threads", p.threads());
      ArrayNode rs = pn.putArray("rounds");
      List<Double> ratios = new ArrayList<>();
      for (int r = 0; r < rounds; r++) {
        boolean oursFirst = r % 2 == 0;
        double first = score(p, oursFirst ? p.ours() : p.other(), iterations);
        double second = score(p, oursFirst ? p.other() : p.ours(), iterations);
        double ours = oursFirst ? first : second;
        double other = oursFirst ? second : first;
        rs.addObject().put("oursNs", ours).put("otherNs", other).put("oursFirst", oursFirst);
        ratios.add(other / ours);
        System.out.printf(java.util.Locale.ROOT, "%s %s/%s %d B %d thr round %d: %.0f vs %.0f ns"
            + " -> %.3f%n", p.group(), p.ours(), p.other(), p.size(), p.threads(), r + 1, ours,
            other, other / ours);
      }
      ratios.sort(Double::compare);
      pn.put("medianRatio", ratios.size() % 2 == 1 ? ratios.get(ratios.size() / 2)
          : (ratios.get(ratios.size() / 2 - 1) + ratios.get(ratios.size() / 2)) / 2);
    }
    root.put("finished", Instant.now().toString());
    File f = new File(out);
    if (f.getParentFile() != null) {
      f.getParentFile().mkdirs();
    }
    m.writerWithDefaultPrettyPrinter().writeValue(f, root);
    System.out.println("wrote " + out);
  }

  /** One short JMH run of one method in its own fork; its average time per op in ns. */
  private static double score(Pair p, String method, int iterations) throws RunnerException {
    Options o = new OptionsBuilder()
        .include("^" + Pattern.quote(PairedRuns.class.getPackageName() + "."
            + p.benchmarkClass() + "." + method) + "$")
        .param("size", Integer.toString(p.size()))
        .threads(p.threads())
        .forks(1)
        .warmupIterations(iterations).warmupTime(TimeValue.seconds(1))
        .measurementIterations(iterations).measurementTime(TimeValue.seconds(1))
        .mode(Mode.AverageTime).timeUnit(TimeUnit.NANOSECONDS)
        .verbosity(VerboseMode.SILENT)
        .build();
    return new Runner(o).runSingle().getPrimaryResult().getScore();
  }
}
