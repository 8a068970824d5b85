package io.kafkaenvelope.benchmarks.micro;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.File;
import java.lang.invoke.MethodHandle;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Several benchmark methods of this jar in ONE JVM, timed in alternating batches of ~100 ms on the
 * thread's CPU time with bytes allocated per operation, as {@link JarAB} does for two builds: each
 * round runs every contender once, the order rotating from round to round, and each contender's
 * ratio to the first ({@code time(first) / time(contender)}, above 1: the contender is faster) is
 * taken within each round, so every ratio compares batches a few hundred milliseconds apart under
 * the same JIT, heap and machine load. The report takes the medians and quartiles.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar io.kafkaenvelope.benchmarks.micro.Alternating \
 *     --rounds 40 --name serialize-1k --out target/alt.json \
 *     raw=SerializeBenchmark.rawAesGcm:size=1024 ours=SerializeBenchmark.envelope:size=1024
 * </pre>
 *
 * A contender is {@code label=Class.method[:param=value,...]}; the class's {@code Shared} state
 * gets those {@code @Param} values and is set up once. With {@code --append}, the group is added to
 * an existing output file.
 */
public final class Alternating {

  private static final int WARMUP_ROUNDS = 20;

  private Alternating() {}

  record Contender(String label, String spec, MethodHandle op) {}

  public static void main(String[] args) throws Throwable {
    int rounds = 40;
    String out = null;
    String name = "alternating";
    boolean append = false;
    List<String> specs = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--rounds" -> rounds = Integer.parseInt(args[++i]);
        case "--out" -> out = args[++i];
        case "--name" -> name = args[++i];
        case "--append" -> append = true;
        default -> specs.add(args[i]);
      }
    }
    if (specs.size() < 2) {
      System.err.println("usage: Alternating [--rounds N] [--name G] [--out F.json [--append]] "
          + "label=Class.method[:p=v,...] label=... (at least two)");
      System.exit(2);
    }
    List<Contender> cs = new ArrayList<>();
    for (String spec : specs) {
      cs.add(contender(spec));
    }
    String loadStart = JarAB.loadAverage();
    Instant started = Instant.now();
    long n = JarAB.warmUp(cs.get(0).op(), WARMUP_ROUNDS, warm -> {
      for (Contender c : cs) {
        JarAB.batch(c.op(), warm);
      }
    });
    int k = cs.size();
    double[][] ns = new double[k][rounds];
    double[][] bytes = new double[k][rounds];
    for (int r = 0; r < rounds; r++) {
      for (int j = 0; j < k; j++) {
        int c = (j + r) % k; // rotate who goes first
        double[] res = JarAB.batch(cs.get(c).op(), n);
        ns[c][r] = res[0];
        bytes[c][r] = res[1];
      }
    }
    ObjectMapper m = new ObjectMapper();
    ObjectNode root;
    File f = out == null ? null : new File(out);
    if (append && f != null && f.exists()) {
      root = (ObjectNode) m.readTree(f);
    } else {
      root = m.createObjectNode();
      root.putArray("groups");
    }
    ObjectNode g = ((ArrayNode) root.get("groups")).addObject();
    g.put("name", name).put("rounds", rounds).put("opsPerBatch", n)
        .put("jdk", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"))
        .put("aesGcm", io.kafkaenvelope.internal.crypto.AesGcm.providerName())
        .put("started", started.toString()).put("finished", Instant.now().toString())
        .put("loadStart", loadStart).put("loadEnd", JarAB.loadAverage());
    ArrayNode arr = g.putArray("contenders");
    System.out.printf(Locale.ROOT, "%s: %d rounds of %d ops, load %s -> %s, %s%n", name, rounds, n,
        loadStart, JarAB.loadAverage(), g.get("jdk").asText());
    for (int c = 0; c < k; c++) {
      double[] ratio = new double[rounds];
      for (int r = 0; r < rounds; r++) {
        ratio[r] = ns[0][r] / ns[c][r];
      }
      double[] sorted = ratio.clone();
      Arrays.sort(sorted);
      double[] sortedNs = ns[c].clone();
      Arrays.sort(sortedNs);
      ObjectNode cn = arr.addObject();
      cn.put("label", cs.get(c).label()).put("spec", cs.get(c).spec())
          .put("medianNs", JarAB.median(ns[c])).put("q1Ns", sortedNs[rounds / 4])
          .put("q3Ns", sortedNs[(3 * rounds) / 4]).put("bytesPerOp", JarAB.median(bytes[c]))
          .put("ratioToFirst", JarAB.median(ratio)).put("ratioQ1", sorted[rounds / 4])
          .put("ratioQ3", sorted[(3 * rounds) / 4]);
      ArrayNode perRound = cn.putArray("nsPerRound"); // in round order, for pairwise ratios
      for (double x : ns[c]) {
        perRound.add(x);
      }
      System.out.printf(Locale.ROOT, "  %-28s %8.0f ns/op (%.0f..%.0f) %7.0f B/op  %s/%s %.3f "
              + "(%.3f..%.3f)%n", cs.get(c).label(), JarAB.median(ns[c]), sortedNs[rounds / 4],
          sortedNs[(3 * rounds) / 4], JarAB.median(bytes[c]), cs.get(0).label(),
          cs.get(c).label(), JarAB.median(ratio), sorted[rounds / 4], sorted[(3 * rounds) / 4]);
    }
    if (f != null) {
      if (f.getParentFile() != null) {
        f.getParentFile().mkdirs();
      }
      m.writerWithDefaultPrettyPrinter().writeValue(f, root);
    }
  }

  private static Contender contender(String spec) throws Exception {
    int eq = spec.indexOf('=');
    String label = spec.substring(0, eq);
    String rest = spec.substring(eq + 1);
    int colon = rest.indexOf(':');
    String target = colon < 0 ? rest : rest.substring(0, colon);
    Map<String, String> params = new LinkedHashMap<>();
    if (colon >= 0) {
      for (String kv : rest.substring(colon + 1).split(",")) {
        String[] p = kv.split("=", 2);
        params.put(p[0], p[1]);
      }
    }
    int dot = target.lastIndexOf('.');
    MethodHandle op = JarAB.bind(Alternating.class.getClassLoader(), target.substring(0, dot),
        target.substring(dot + 1), params);
    return new Contender(label, spec, op);
  }
}
