package io.kafkaenvelope.benchmarks.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

class ProcessCpuReportTest {

  private static final ObjectMapper M = new ObjectMapper();

  /**
   * Two rounds at 100 B. Producer: plaintext 1000/1200 ns, TLS 1500/1500 (adds 500/300), envelope
   * 1400/1900 (adds 400/700). Consumer: envelope adds 2000 in both rounds, TLS 100.
   */
  static JsonNode run() {
    ObjectNode run = M.createObjectNode();
    run.put("rounds", 2);
    run.putArray("sizes").add(100);
    run.putArray("records").add(1000);
    run.putArray("warmupRecords").add(10);
    ArrayNode runs = run.putArray("runs");
    add(runs, 1, "plaintext", 1000, 500);
    add(runs, 1, "tls", 1500, 600);
    add(runs, 1, "envelope", 1400, 2500);
    add(runs, 2, "plaintext", 1200, 500);
    add(runs, 2, "tls", 1500, 600);
    add(runs, 2, "envelope", 1900, 2500);
    return run;
  }

  private static void add(ArrayNode runs, int round, String c, double produce, double consume) {
    ObjectNode r = runs.addObject();
    r.put("round", round);
    r.put("size", 100);
    r.put("contender", c);
    r.put("produceCpuNsPerRecord", produce);
    r.put("consumeCpuNsPerRecord", consume);
    r.put("produceKmsCalls", c.startsWith("envelope") ? 1 : 0);
    r.put("consumeKmsCalls", c.startsWith("envelope") ? 1 : 0);
    r.put("produceRecordsPerSec", 1e5);
    r.put("consumeRecordsPerSec", 1e5);
  }

  @Test
  void addedCpuIsComparedPerRoundAgainstThatRoundsPlaintext() {
    assertEquals(java.util.List.of(400.0, 700.0),
        ProcessCpuReport.added(run(), 100, "envelope", "produce"));
    assertEquals(java.util.List.of(500.0, 300.0),
        ProcessCpuReport.added(run(), 100, "tls", "produce"));
    // medians 550 vs 400: more; round 1 less, round 2 more
    assertEquals("100 B, producer: envelope encryption adds 0.55 µs of CPU per record, TLS adds "
        + "0.40 µs: **envelope costs more CPU than TLS** (more in 1 of 2 rounds)",
        ProcessCpuReport.verdict(run(), 100, "produce"));
    assertTrue(ProcessCpuReport.verdict(run(), 100, "consume")
        .contains("adds 2.00 µs of CPU per record, TLS adds 0.10 µs: **envelope costs more"));
  }

  @Test
  void tableHasRatiosToPlaintextAndKmsCalls() {
    String md = ProcessCpuReport.render(run());
    // envelope producer: ratios 1.4 and 1.583 -> median 1.49
    assertTrue(md.contains("| **Kafka Envelope** | 1.65 µs (1.40 µs–1.90 µs) | 1.49× |"), md);
    assertTrue(md.contains("| 1 / 1 |"), md);
    assertTrue(md.contains("| plaintext | 1.10 µs (1.00 µs–1.20 µs) | 1 |"), md);
  }

  @Test
  void csvHasOneRowPerRoundRoleAndContenderWithTheRatio() {
    String csv = io.kafkaenvelope.benchmarks.e2e.ProcessCpuBenchmarkAccess.csv(run());
    assertTrue(csv.startsWith("round,size,role,contender,cpu_ns_per_record"), csv);
    assertEquals(1 + 6 * 2, csv.lines().count());
    assertTrue(csv.contains("\n2,100,produce,envelope,1900.0,100000,1.5833\n"), csv);
  }
}
