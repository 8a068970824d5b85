package io.kafkaenvelope.benchmarks.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The round-2 report reads Alternating's JSON, takes every ratio within a round (not as a ratio of
 * medians), judges the targets against their limits, and draws PNG charts.
 */
class RoundTwoTest {

  private static final ObjectMapper M = new ObjectMapper();

  private static void contender(ArrayNode cs, String label, double bytes, double... ns) {
    ObjectNode c = cs.addObject().put("label", label).put("bytesPerOp", bytes);
    ArrayNode a = c.putArray("nsPerRound");
    for (double x : ns) {
      a.add(x);
    }
  }

  private static Path file(Path dir) throws Exception {
    ObjectNode root = M.createObjectNode();
    ArrayNode groups = root.putArray("groups");
    for (String op : List.of("serialize", "deserialize")) {
      for (int size : new int[] {64, 1024}) {
        ObjectNode g = groups.addObject().put("name", op + "-" + size).put("jdk", "JDK 17")
            .put("aesGcm", "SunJCE 17").put("loadStart", "1.0").put("loadEnd", "1.1");
        ArrayNode cs = g.putArray("contenders");
        // raw's time doubles in round 2; the pairwise ratio stays 1.25 in every round
        contender(cs, "raw", 2008, 1000, 2000, 1000, 1000);
        contender(cs, "v1", 2312, 1250, 2500, 1250, 1250);
        contender(cs, "v6", 2000, 800, 1600, 800, 800);
        contender(cs, "v1-aws", 2824, 1400, 2800, 1400, 1400);
        contender(cs, "v6-aws", 2000, 810, 1620, 810, 810);
        contender(cs, "core-v1", 2224, 1100, 2200, 1100, 1100);
        contender(cs, "core-v6", 1920, 720, 1440, 720, 720);
      }
    }
    Path f = dir.resolve("alt.json");
    M.writeValue(f.toFile(), root);
    return f;
  }

  @Test
  void ratiosAreTakenWithinEachRound(@TempDir Path dir) throws Exception {
    List<RoundTwo.Group> gs = RoundTwo.read("jdk17=" + file(dir));
    RoundTwo.Group ser = RoundTwo.group(gs, "jdk17", "serialize-1024").orElseThrow();
    assertEquals("serialize", ser.op());
    assertEquals(1024, ser.size());
    // raw/v6 = 1.25 in every round, although the medians alone would also give 1.25 here
    assertArrayEquals(new double[] {1.25, 1.25, 1.25}, ser.ratio("raw", "v6").orElseThrow(),
        1e-9);
    assertArrayEquals(new double[] {0.8, 0.8, 0.8}, ser.ratio("raw", "v1").orElseThrow(), 1e-9);
    assertTrue(ser.ratio("raw", "absent").isEmpty());
  }

  @Test
  void targetsAreJudgedAgainstTheirLimits(@TempDir Path dir) throws Exception {
    String t = RoundTwo.targets(RoundTwo.read("jdk17=" + file(dir)), "jdk17");
    // serialize ≥ 1.2× raw: format 1 0.8 (missed), format 6 1.25 (met)
    assertTrue(t.contains("| serialize 1 KiB ≥ 1.2× raw JCA AES-GCM's throughput | 0.800× "
        + "(0.800–0.800) | 1.250× (1.250–1.250) | format 1: **missed**; format 6: met |"), t);
    // ≤ 1.15× the AesGcm call: 1250/1100 = 1.136 met; 800/720 = 1.111 met
    assertTrue(t.contains("| 1.136× (1.136–1.136) | 1.111× (1.111–1.111) | format 1: met; "
        + "format 6: met |"), t);
    // AWS within 5%: 1400/1250 = 1.12 missed; 810/800 = 1.0125 met
    assertTrue(t.contains("| 1.120× (1.120–1.120) | 1.013× (1.013–1.013) | format 1: "
        + "**missed**; format 6: met |"), t);
    // allocation: +304 B missed, -8 B met
    assertTrue(t.contains("2,312 B (+304 B) | 2,000 B (-8 B) | format 1: **missed**; format 6: "
        + "met |"), t);
  }

  @Test
  void chartsArePngFilesLinkedFromTheDocument(@TempDir Path dir) throws Exception {
    String md = RoundTwo.charts(RoundTwo.read("jdk17=" + file(dir)), dir.resolve("images"),
        "images");
    assertTrue(md.contains("(images/perf-serialize-time-vs-size.png)"), md);
    for (String f : List.of("perf-serialize-time-vs-size.png", "perf-deserialize-time-vs-size.png",
        "perf-serialize-cpu-1k-by-jdk.png", "perf-deserialize-cpu-1k-by-jdk.png")) {
      byte[] png = Files.readAllBytes(dir.resolve("images").resolve(f));
      assertTrue(png.length > 1000, f);
      assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G'}, java.util.Arrays.copyOf(png, 4),
          f);
    }
  }
}
