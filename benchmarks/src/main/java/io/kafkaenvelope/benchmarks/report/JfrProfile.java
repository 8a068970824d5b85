package io.kafkaenvelope.benchmarks.report;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

/**
 * Where the CPU went in a JFR recording (async-profiler is not available here): the share of
 * execution samples under given frames (inclusive) and the hottest methods (self time), as a
 * text block for docs/performance.md.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar io.kafkaenvelope.benchmarks.report.JfrProfile \
 *     recording.jfr [title]
 * </pre>
 */
public final class JfrProfile {

  /** Frames whose inclusive share is reported, in this order. */
  static final String[] INCLUSIVE = {
      "org.apache.kafka.clients.producer.KafkaProducer.doSend",
      "io.kafkaenvelope.serde.EncryptingSerializer.serialize",
      "io.kafkaenvelope.internal.crypto.AesGcm.seal",
      "org.apache.kafka.clients.consumer.KafkaConsumer.poll",
      "io.kafkaenvelope.serde.DecryptingDeserializer.deserialize",
      "io.kafkaenvelope.internal.crypto.AesGcm.open",
      "javax.crypto.Cipher.init",
      "org.apache.kafka.common.compress",
      "kafka.",
      "org.apache.kafka.storage",
  };

  private JfrProfile() {}

  public static void main(String[] args) throws IOException {
    System.out.println(summarize(Path.of(args[0]), args.length > 1 ? args[1] : args[0], 15));
  }

  static String summarize(Path file, String title, int top) throws IOException {
    Map<String, Integer> self = new HashMap<>();
    Map<String, Integer> inclusive = new HashMap<>();
    Map<String, Integer> threads = new HashMap<>();
    int total = 0;
    for (RecordedEvent e : RecordingFile.readAllEvents(file)) {
      if (!e.getEventType().getName().equals("jdk.ExecutionSample")) {
        continue;
      }
      RecordedStackTrace st = e.getStackTrace();
      if (st == null || st.getFrames().isEmpty()) {
        continue;
      }
      total++;
      String thread = e.getThread("sampledThread") == null ? "?"
          : e.getThread("sampledThread").getJavaName();
      threads.merge(threadGroup(thread), 1, Integer::sum);
      List<RecordedFrame> frames = st.getFrames();
      self.merge(name(frames.get(0)), 1, Integer::sum);
      Set<String> seen = new HashSet<>();
      for (RecordedFrame f : frames) {
        String n = name(f);
        for (String prefix : INCLUSIVE) {
          if (n.startsWith(prefix) && seen.add(prefix)) {
            inclusive.merge(prefix, 1, Integer::sum);
          }
        }
      }
    }
    StringBuilder sb = new StringBuilder();
    sb.append(title).append(": ").append(total).append(" execution samples\n\n");
    sb.append("by thread:\n");
    for (Map.Entry<String, Integer> t : sorted(threads, 8)) {
      sb.append(String.format(Locale.ROOT, "  %5.1f%%  %s%n", 100.0 * t.getValue() / total,
          t.getKey()));
    }
    sb.append("\ninclusive (samples with this frame on the stack):\n");
    for (String prefix : INCLUSIVE) {
      int n = inclusive.getOrDefault(prefix, 0);
      sb.append(String.format(Locale.ROOT, "  %5.1f%%  %s%n", 100.0 * n / Math.max(1, total),
          prefix + (prefix.chars().anyMatch(Character::isUpperCase) ? "" : "*")));
    }
    sb.append("\nhottest methods (self):\n");
    for (Map.Entry<String, Integer> m : sorted(self, top)) {
      sb.append(String.format(Locale.ROOT, "  %5.1f%%  %s%n", 100.0 * m.getValue() / total,
          m.getKey()));
    }
    return sb.toString();
  }

  private static String threadGroup(String name) {
    return name.replaceAll("-\\d+$", "-N").replaceAll("\\d+", "N");
  }

  private static String name(RecordedFrame f) {
    return f.getMethod().getType().getName() + "." + f.getMethod().getName();
  }

  private static List<Map.Entry<String, Integer>> sorted(Map<String, Integer> m, int n) {
    List<Map.Entry<String, Integer>> l = new ArrayList<>(m.entrySet());
    l.sort((a, b) -> b.getValue() - a.getValue());
    return l.subList(0, Math.min(n, l.size()));
  }
}
