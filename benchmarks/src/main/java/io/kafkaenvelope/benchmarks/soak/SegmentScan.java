package io.kafkaenvelope.benchmarks.soak;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * Counts a plaintext marker in the broker's stored bytes: every file of every partition
 * directory ({@code <topic>-<n>}) of a topic in the given log directories, read as raw bytes,
 * so the answer does not depend on any client decoding them.
 */
public final class SegmentScan {

  private SegmentScan() {}

  /** Occurrences of {@code marker} in the files of {@code topic}'s partition directories. */
  public static long count(List<Path> logDirs, String topic, String marker) throws IOException {
    byte[] needle = marker.getBytes(StandardCharsets.US_ASCII);
    long found = 0;
    for (Path dir : logDirs) {
      try (Stream<Path> partitions = Files.list(dir)) {
        for (Path p : partitions.filter(p -> isPartitionOf(p, topic)).toList()) {
          try (Stream<Path> files = Files.list(p)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
              found += count(f, needle);
            }
          }
        }
      }
    }
    return found;
  }

  /** Bytes of the files of {@code topic}'s partition directories. */
  public static long bytes(List<Path> logDirs, String topic) throws IOException {
    long total = 0;
    for (Path dir : logDirs) {
      try (Stream<Path> partitions = Files.list(dir)) {
        for (Path p : partitions.filter(p -> isPartitionOf(p, topic)).toList()) {
          try (Stream<Path> files = Files.list(p)) {
            for (Path f : files.filter(x -> x.toString().endsWith(".log")).toList()) {
              total += Files.size(f);
            }
          }
        }
      }
    }
    return total;
  }

  static boolean isPartitionOf(Path p, String topic) {
    String name = p.getFileName().toString();
    return Files.isDirectory(p) && name.startsWith(topic + "-")
        && name.substring(topic.length() + 1).chars().allMatch(Character::isDigit);
  }

  /** Occurrences of {@code needle} in {@code file}, streamed (a match may span two reads). */
  static long count(Path file, byte[] needle) throws IOException {
    long found = 0;
    byte[] buf = new byte[1 << 16];
    int carry = 0; // bytes kept from the previous read: the last needle.length - 1
    try (InputStream in = Files.newInputStream(file)) {
      int n;
      while ((n = in.read(buf, carry, buf.length - carry)) > 0) {
        int end = carry + n;
        for (int i = 0; i + needle.length <= end; i++) {
          if (matches(buf, i, needle)) {
            found++;
          }
        }
        carry = Math.min(needle.length - 1, end);
        System.arraycopy(buf, end - carry, buf, 0, carry);
      }
    }
    return found;
  }

  private static boolean matches(byte[] buf, int at, byte[] needle) {
    for (int j = 0; j < needle.length; j++) {
      if (buf[at + j] != needle[j]) {
        return false;
      }
    }
    return true;
  }
}
