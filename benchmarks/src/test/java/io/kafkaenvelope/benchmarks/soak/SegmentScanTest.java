package io.kafkaenvelope.benchmarks.soak;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SegmentScanTest {

  @TempDir Path dir;

  @Test
  void countsMarkersInEveryPartitionOfTheTopicOnlyAcrossReadBoundaries() throws Exception {
    byte[] marker = Soak.MARKER.getBytes(StandardCharsets.US_ASCII);
    byte[] big = new byte[(1 << 16) * 3];
    Arrays.fill(big, (byte) 'x');
    // one marker straddling the first 64 KiB read, one at the very end
    System.arraycopy(marker, 0, big, (1 << 16) - 5, marker.length);
    System.arraycopy(marker, 0, big, big.length - marker.length, marker.length);
    Files.createDirectories(dir.resolve("soak-0"));
    Files.write(dir.resolve("soak-0").resolve("00000000000000000000.log"), big);
    Files.createDirectories(dir.resolve("soak-3"));
    Files.write(dir.resolve("soak-3").resolve("00000000000000000000.log"), marker);
    // another topic whose name starts with the same word: not counted
    Files.createDirectories(dir.resolve("soak-canary-0"));
    Files.write(dir.resolve("soak-canary-0").resolve("00000000000000000000.log"), marker);

    assertEquals(3, SegmentScan.count(List.of(dir), "soak", Soak.MARKER));
    assertEquals(1, SegmentScan.count(List.of(dir), "soak-canary", Soak.MARKER));
    assertEquals(big.length + marker.length, SegmentScan.bytes(List.of(dir), "soak"));
    assertTrue(SegmentScan.isPartitionOf(dir.resolve("soak-3"), "soak"));
    assertFalse(SegmentScan.isPartitionOf(dir.resolve("soak-canary-0"), "soak"));
  }

  @Test
  void payloadsAreReproducibleAndCarryTheMarker() {
    byte[] a = Soak.payload(1, 42, 512);
    assertArrayEquals(a, Soak.payload(1, 42, 512));
    assertFalse(Arrays.equals(a, Soak.payload(1, 43, 512)));
    assertFalse(Arrays.equals(a, Soak.payload(0, 42, 512)));
    assertEquals(512, a.length);
    assertTrue(new String(a, StandardCharsets.US_ASCII).startsWith(Soak.MARKER + "|1:42|"));
  }
}
