package io.kafkaenvelope.benchmarks.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The report tool reads JMH's JSON as JMH writes it and computes ratios and verdicts right. */
class PerformanceReportTest {

  private static final ObjectMapper M = new ObjectMapper();

  private static ObjectNode bench(String method, int size, int threads, double score, String unit,
      double alloc) {
    ObjectNode b = M.createObjectNode();
    b.put("jmhVersion", "1.37");
    b.put("benchmark", "io.kafkaenvelope.benchmarks.micro." + method);
    b.put("mode", "avgt");
    b.put("threads", threads);
    b.put("forks", 1);
    b.put("jdkVersion", "17.0.15");
    b.put("vmName", "OpenJDK 64-Bit Server VM");
    b.put("vmVersion", "17.0.15+6");
    b.put("warmupIterations", 5);
    b.put("warmupTime", "2 s");
    b.put("measurementIterations", 5);
    b.put("measurementTime", "2 s");
    b.putObject("params").put("size", String.valueOf(size));
    ObjectNode pm = b.putObject("primaryMetric");
    pm.put("score", score);
    pm.put("scoreError", score / 100);
    pm.put("scoreUnit", unit);
    b.putObject("secondaryMetrics").putObject("gc.alloc.rate.norm").put("score", alloc)
        .put("scoreUnit", "B/op");
    return b;
  }

  private static JmhResults sample() {
    ArrayNode a = M.createArrayNode();
    a.add(bench("SerializeBenchmark.envelope", 1024, 1, 1000, "ns/op", 1200));
    a.add(bench("SerializeBenchmark.rawAesGcm", 1024, 1, 1250, "ns/op", 1100));
    a.add(bench("SerializeBenchmark.awsEsdkCaching", 1024, 1, 30, "us/op", 90000));
    a.add(bench("SerializeBenchmark.envelope", 1048576, 1, 500_000, "ns/op", 1048700));
    a.add(bench("SerializeBenchmark.rawAesGcm", 1048576, 1, 420_000, "ns/op", 1048600));
    a.add(bench("InlineBenchmark.serialize", 1024, 1, 1100, "ns/op", 1300));
    a.add(bench("DeserializeBenchmark.envelope", 1024, 2, 800, "ns/op", 1100));
    a.add(bench("AadCostBenchmark.coreSerialize", 1024, 1, 900, "ns/op", 1200));
    a.add(bench("AadCostBenchmark.deserialize", 1024, 1, 950, "ns/op", 1200));
    return JmhResults.parse(a);
  }

  @Test
  void readsRowsUnitsAndAllocations() {
    JmhResults r = sample();
    assertEquals(9, r.rows.size());
    assertEquals(900, r.find("serialize", "aesGcmCore", 1024, 1).orElseThrow().nsPerOp(), 1e-9);
    assertEquals(950, r.find("deserialize", "rawAesGcmAad", 1024, 1).orElseThrow().nsPerOp(),
        1e-9);
    JmhResults.Row esdk = r.find("serialize", "awsEsdkCaching", 1024, 1).orElseThrow();
    assertEquals(30_000, esdk.nsPerOp(), 1e-9); // us/op converted
    assertEquals(90000, esdk.bytesPerOp(), 1e-9);
    assertTrue(r.find("serialize", "envelopeInline", 1024, 1).isPresent());
    // 2 threads, 1024 B each in 800 ns: 2.56 GB/s together
    assertEquals(2560, r.find("deserialize", "envelope", 1024, 2).orElseThrow().mbPerSec(), 1e-6);
    assertEquals("OpenJDK 64-Bit Server VM 17.0.15 (17.0.15+6)", r.jvm);
  }

  @Test
  void ratiosAndTargetVerdicts() {
    JmhResults r = sample();
    assertEquals(1.25, PerformanceReport.ratio(r, "serialize", "envelope", "rawAesGcm", 1024, 1)
        .orElseThrow(), 1e-9);
    assertEquals(30.0, PerformanceReport.ratio(r, "serialize", "envelope", "awsEsdkCaching", 1024,
        1).orElseThrow(), 1e-9);
    String targets = PerformanceReport.targets(r, null);
    assertTrue(targets.contains("raw AES-GCM at 1 KiB (1 thread) | 1.25× raw's throughput"),
        targets);
    // 420/500 = 0.84 < 0.9
    assertTrue(targets.contains("at 1 MiB (1 thread) | 0.84× (ours 2,097 MB/s, raw 2,497 MB/s) "
        + "| **missed**"), targets);
    assertTrue(targets.contains("AWS Encryption SDK with caching at 1 KiB | 30× (ours 1,000 ns, "
        + "AWS Encryption SDK 3, caching CMM 30.0 µs) | met"), targets);
    assertTrue(targets.contains("(2 threads) | not measured in this run"), targets);
  }

  @Test
  void alternatingRunsDecideTheOneKibTargetAndTheSummaryListsEveryVerdict() {
    ObjectNode paired = M.createObjectNode();
    paired.put("iterations", "3 warm-up + 3 measurement × 1 s, 1 fork");
    ObjectNode pair = paired.putArray("pairs").addObject();
    pair.put("group", "serialize").put("ours", "envelope").put("other", "rawAesGcm")
        .put("size", 1024).put("threads", 1);
    ArrayNode rounds = pair.putArray("rounds");
    double[][] ns = {{1000, 900}, {1100, 1210}, {1000, 980}}; // ours, raw: 0.90, 1.10, 0.98
    for (double[] r : ns) {
      rounds.addObject().put("oursNs", r[0]).put("otherNs", r[1]);
    }
    pair.put("medianRatio", 0.98);
    List<PerformanceReport.Verdict> v = PerformanceReport.verdicts(sample(), null, paired);
    String targets = PerformanceReport.targets(v);
    // the long run alone says 1.25× (met); the alternating runs' median 0.98× decides: missed
    assertTrue(targets.contains("raw AES-GCM at 1 KiB (1 thread) | 0.98× raw's throughput: median "
        + "of 3 alternating runs (ours 1,000 ns, raw JCA AES-256-GCM, random nonce 980 ns by "
        + "median); the single long run in the tables: 1.25× | **missed**"), targets);
    // a ratio within 1% of the line shows three decimals, so "1.00× missed" cannot happen
    pair.put("medianRatio", 0.9965);
    List<PerformanceReport.Verdict> near = PerformanceReport.verdicts(sample(), null, paired);
    assertTrue(PerformanceReport.targets(near).contains("| **missed** (0.997×) |"),
        PerformanceReport.targets(near));
    assertTrue(PerformanceReport.summary(near, "d").contains("(1 thread): 0.997×"));
    pair.put("medianRatio", 0.98);
    String table = PerformanceReport.pairedTable(paired);
    assertTrue(table.contains("| serialize | 1 KiB | 1 | raw JCA AES-256-GCM, random nonce | "
        + "0.90×, 1.10×, 0.98× | **0.98×** |"), table);
    String summary = PerformanceReport.summary(v, "2026-11-28");
    assertTrue(summary.contains("Met:\n- serializer ≥ 20× faster than the AWS Encryption SDK "
        + "with caching at 1 KiB: 30×"), summary);
    assertTrue(summary.contains("Missed:\n- serializer no slower than raw AES-GCM at 1 KiB "
        + "(1 thread): 0.98×\n- serializer ≥ 0.9× raw AES-GCM's throughput at 1 MiB (1 thread): "
        + "0.84×"), summary);
    assertTrue(!summary.contains("2 threads"), "unmeasured targets are left out: " + summary);
    assertEquals("(no alternating runs in this run)", PerformanceReport.pairedTable(null));
  }

  @Test
  void endToEndMediansArePerRoundRatios() {
    ObjectNode e2e = M.createObjectNode();
    ArrayNode runs = e2e.putArray("runs");
    double[][] rates = {{100, 95}, {100, 80}, {90, 90}}; // plaintext, encrypted per round
    for (int round = 1; round <= 3; round++) {
      for (int m = 0; m < 2; m++) {
        runs.addObject().put("round", round).put("codec", "lz4")
            .put("mode", m == 0 ? "plaintext" : "encrypted")
            .put("produceRecordsPerSec", rates[round - 1][m])
            .put("consumeRecordsPerSec", 10.0);
      }
    }
    List<Double> per = PerformanceReport.perRoundRatios(e2e, "lz4", "produceRecordsPerSec");
    assertEquals(List.of(0.95, 0.8, 1.0), per);
    assertEquals(0.95, PerformanceReport.medianRatio(e2e, "lz4", "produceRecordsPerSec")
        .orElseThrow(), 1e-9);
    String t = PerformanceReport.targets(sample(), e2e);
    assertTrue(t.contains("end-to-end produce throughput encrypted ≥ 0.9× plaintext (lz4) | "
        + "0.95× (median of per-round ratios) | met"), t);
    // the opt-in compress-then-encrypt mode gets its own rows, beside (not instead of) the default
    for (int round = 1; round <= 3; round++) {
      runs.addObject().put("round", round).put("codec", "lz4").put("mode", "envelope-compressed")
          .put("produceRecordsPerSec", 50.0 + round).put("consumeRecordsPerSec", 9.0)
          .put("producerOutgoingBytes", 1e6);
    }
    assertEquals(List.of(0.51, 0.52, 0.5888888888888889),
        PerformanceReport.perRoundRatios(e2e, "lz4", "envelope-compressed",
            "produceRecordsPerSec"));
    String t2 = PerformanceReport.targets(sample(), e2e);
    assertTrue(t2.contains("end-to-end produce throughput encrypted ≥ 0.9× plaintext (lz4) | "
        + "0.95× (median of per-round ratios) | met"), t2);
    assertTrue(t2.contains("(lz4), with the opt-in `envelope.compression.type=lz4` | 0.52× "
        + "(median of per-round ratios) | **missed**"), t2);
    assertTrue(t2.contains("consume throughput encrypted ≥ 0.9× plaintext (lz4), with the opt-in "
        + "`envelope.compression.type=lz4` | 0.90× (median of per-round ratios) | met"), t2);
    String tables = PerformanceReport.e2eTables(e2e);
    assertTrue(tables.contains("| lz4 | encrypted, compressed by the serializer |"), tables);
    JsonNode none = M.createObjectNode().putArray("runs");
    assertTrue(PerformanceReport.codecs(M.createObjectNode().set("runs", none)).isEmpty());
  }

  @Test
  void formatting() {
    assertEquals("1 KiB", PerformanceReport.sizeLabel(1024));
    assertEquals("1 MiB", PerformanceReport.sizeLabel(1048576));
    assertEquals("64 B", PerformanceReport.sizeLabel(64));
    assertEquals("1,417 ns", PerformanceReport.time(1417.2));
    assertEquals("35.5 µs", PerformanceReport.time(35_500));
    assertEquals("0.95×", PerformanceReport.times(0.951));
  }
}
