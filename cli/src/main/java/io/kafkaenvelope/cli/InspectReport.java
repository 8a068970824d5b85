package io.kafkaenvelope.cli;

import io.kafkaenvelope.internal.wire.Role;
import io.kafkaenvelope.serde.EnvelopeException;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * What {@code inspect} counts over a topic's raw records: per record part (value and key) the
 * framing, format versions, codecs, and per KEK id and version the records, data keys, offsets
 * and timestamps — which KEK versions the topic still needs, and since when.
 */
final class InspectReport {

  private final String topic;
  private long records;
  /** Per partition: first offset, last offset, records. */
  private final Map<Integer, long[]> partitions = new TreeMap<>();
  private final Part value = new Part();
  private final Part key = new Part();

  InspectReport(String topic) {
    this.topic = topic;
  }

  void add(ConsumerRecord<byte[], byte[]> r) {
    records++;
    long[] p = partitions.computeIfAbsent(r.partition(), k -> new long[] {r.offset(), 0, 0});
    p[1] = r.offset();
    p[2]++;
    value.add(EnvelopeInfo.of(Role.VALUE, r.headers(), r.value()), r, topic);
    key.add(EnvelopeInfo.of(Role.KEY, r.headers(), r.key()), r, topic);
  }

  long records() {
    return records;
  }

  /** The value part's counts (tests read them). */
  Part value() {
    return value;
  }

  /** Counts for one record part. */
  static final class Part {
    final Map<String, Long> framing = new TreeMap<>();
    final Map<Integer, Long> versions = new TreeMap<>();
    final Map<String, Long> codecs = new TreeMap<>();
    final Map<String, Long> producedToOtherTopics = new TreeMap<>();
    final Map<String, Long> malformed = new TreeMap<>();
    /** By KEK id, then KEK version ("" when the KMS has none). */
    final Map<String, Map<String, KekVersion>> keks = new TreeMap<>();

    void add(EnvelopeInfo info, ConsumerRecord<byte[], byte[]> r, String topic) {
      framing.merge(info.framing(), 1L, Long::sum);
      if (info.problem() != null) {
        malformed.merge(info.problem(), 1L, Long::sum);
      }
      if (info.keys().isEmpty()) {
        return;
      }
      versions.merge(info.version(), 1L, Long::sum);
      codecs.merge(info.codec(), 1L, Long::sum);
      String madeFor = info.keys().get(0).topic();
      if (madeFor != null && !madeFor.equals(topic)) {
        producedToOtherTopics.merge(madeFor, 1L, Long::sum);
      }
      for (EnvelopeInfo.KeyUse k : info.keys()) { // a field-mode record needs each of its KEKs
        String version = k.kekVersion() == null ? "" : k.kekVersion();
        keks.computeIfAbsent(k.kekId(), id -> new TreeMap<>())
            .computeIfAbsent(version, v -> new KekVersion()).add(k.dataKey(), r);
      }
    }

    /** Records whose envelope names {@code kekId} (any version). */
    long recordsUnder(String kekId) {
      return keks.getOrDefault(kekId, Map.of()).values().stream().mapToLong(k -> k.records)
          .sum();
    }

    long framed(String framing) {
      return this.framing.getOrDefault(framing, 0L);
    }

    boolean isEmpty() {
      return keks.isEmpty() && malformed.isEmpty();
    }
  }

  /** One KEK version's records. */
  static final class KekVersion {
    long records;
    final Map<String, Long> deks = new TreeMap<>();
    long firstTimestamp = Long.MAX_VALUE;
    long lastTimestamp = Long.MIN_VALUE;
    /** Per partition: first and last offset. */
    final Map<Integer, long[]> offsets = new TreeMap<>();

    void add(String dataKey, ConsumerRecord<byte[], byte[]> r) {
      records++;
      deks.merge(dataKey, 1L, Long::sum);
      firstTimestamp = Math.min(firstTimestamp, r.timestamp());
      lastTimestamp = Math.max(lastTimestamp, r.timestamp());
      long[] o = offsets.computeIfAbsent(r.partition(), k -> new long[] {r.offset(), 0});
      o[1] = r.offset();
    }
  }

  /** The report as JSON-ready maps (ids exactly as in the envelopes). */
  Map<String, Object> toJson() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("topic", topic);
    m.put("records", records);
    List<Object> parts = new ArrayList<>();
    partitions.forEach((p, o) -> parts.add(ordered("partition", p, "firstOffset", o[0],
        "lastOffset", o[1], "records", o[2])));
    m.put("partitions", parts);
    m.put("value", partJson(value));
    m.put("key", partJson(key));
    return m;
  }

  private static Map<String, Object> partJson(Part part) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("framing", part.framing);
    Map<String, Long> versions = new LinkedHashMap<>();
    part.versions.forEach((v, n) -> versions.put(String.valueOf(v), n));
    m.put("formatVersions", versions);
    m.put("codecs", part.codecs);
    m.put("producedToOtherTopics", part.producedToOtherTopics);
    m.put("malformed", part.malformed);
    List<Object> keks = new ArrayList<>();
    part.keks.forEach((id, byVersion) -> byVersion.forEach((version, k) -> {
      List<Object> offsets = new ArrayList<>();
      k.offsets.forEach((p, o) -> offsets.add(ordered("partition", p, "firstOffset", o[0],
          "lastOffset", o[1])));
      Map<String, Object> e = ordered("kekId", id, "kekVersion", version.isEmpty() ? null
          : version, "records", k.records, "deks", k.deks, "firstTimestamp",
          Instant.ofEpochMilli(k.firstTimestamp).toString(), "lastTimestamp",
          Instant.ofEpochMilli(k.lastTimestamp).toString());
      e.put("offsets", offsets);
      keks.add(e);
    }));
    m.put("keks", keks);
    return m;
  }

  private static Map<String, Object> ordered(Object... kv) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put((String) kv[i], kv[i + 1]);
    }
    return m;
  }

  /** The report for a terminal (strings from envelopes made printable). */
  void printText(PrintWriter out) {
    out.printf("topic %s: %,d records%n", printable(topic), records);
    partitions.forEach((p, o) -> out.printf("  partition %d: %,d records, offsets %d..%d%n", p,
        o[2], o[0], o[1]));
    printPart(out, "value", value);
    if (!key.isEmpty()) {
      printPart(out, "key", key);
    }
  }

  private static void printPart(PrintWriter out, String name, Part part) {
    out.printf("%s framing:", name);
    part.framing.forEach((f, n) -> out.printf(" %s %,d", f, n));
    out.println();
    if (!part.versions.isEmpty()) {
      out.print("  format versions:");
      part.versions.forEach((v, n) -> out.printf(" v%d %,d", v, n));
      out.println();
      out.print("  codecs:");
      part.codecs.forEach((c, n) -> out.printf(" %s %,d", c, n));
      out.println();
    }
    part.producedToOtherTopics.forEach((t, n) -> out.printf(
        "  produced to another topic '%s': %,d records%n", printable(t), n));
    part.malformed.forEach((why, n) -> out.printf("  malformed (%s): %,d records%n", why, n));
    if (part.keks.isEmpty()) {
      return;
    }
    out.printf("  KEKs still needed by these records:%n");
    part.keks.forEach((id, byVersion) -> byVersion.forEach((version, k) -> {
      out.printf("    KEK '%s' version %s: %,d records, %d DEK%s%n", printable(id),
          version.isEmpty() ? "(none)" : printable(version), k.records, k.deks.size(),
          k.deks.size() == 1 ? "" : "s");
      StringBuilder offsets = new StringBuilder();
      k.offsets.forEach((p, o) -> offsets.append(offsets.length() == 0 ? "" : ", ")
          .append('p').append(p).append(' ').append(o[0]).append("..").append(o[1]));
      out.printf("      offsets %s%n", offsets);
      out.printf("      first %s, last %s%n", Instant.ofEpochMilli(k.firstTimestamp),
          Instant.ofEpochMilli(k.lastTimestamp));
    }));
  }

  private static String printable(String s) {
    return EnvelopeException.printable(s);
  }
}
