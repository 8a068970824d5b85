package io.kafkaenvelope.json.internal;

import io.kafkaenvelope.internal.field.FieldOpener;
import io.kafkaenvelope.internal.field.FieldRule;
import io.kafkaenvelope.internal.field.FieldSealer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A stand-in for serde-core's engine in unit tests: "ciphertext" = the concrete path, a zero byte,
 * then the encoding with every byte flipped (so no plaintext shows), which the opener checks
 * against the path it is asked to open. Selection: configured patterns, annotated fields, or a
 * tag in {@code tags}, as the engine does.
 */
final class FakeFields {

  private FakeFields() {}

  static final class Sealer implements FieldSealer {
    final Set<String> configured;
    final Set<String> tags;
    final List<String> sealedPaths = new ArrayList<>();
    final Map<String, Boolean> selectCalls = new HashMap<>();
    final Map<String, Set<String>> tagsSeen = new HashMap<>();

    Sealer(Set<String> configured, Set<String> tags) {
      this.configured = configured;
      this.tags = tags;
    }

    @Override
    public Set<String> configuredPatterns() {
      return configured;
    }

    @Override
    public FieldRule select(String pattern, boolean annotated, Set<String> fieldTags) {
      tagsSeen.put(pattern, fieldTags);
      boolean chosen = configured.contains(pattern) || annotated
          || fieldTags.stream().anyMatch(tags::contains);
      selectCalls.put(pattern, chosen);
      return chosen ? new FieldRule() {
        @Override
        public String pattern() {
          return pattern;
        }

        @Override
        public boolean deterministic() {
          return false;
        }
      } : null;
    }

    @Override
    public byte[] seal(FieldRule rule, String concretePath, byte[] encoding) {
      sealedPaths.add(concretePath);
      return seal(concretePath, encoding);
    }

    @Override
    public RuntimeException configError(String detail) {
      return new IllegalArgumentException("config: " + detail);
    }

    static byte[] seal(String concretePath, byte[] encoding) {
      byte[] p = concretePath.getBytes(StandardCharsets.UTF_8);
      byte[] out = Arrays.copyOf(p, p.length + 1 + encoding.length);
      for (int i = 0; i < encoding.length; i++) {
        out[p.length + 1 + i] = (byte) ~encoding[i];
      }
      return out;
    }
  }

  static final class Opener implements FieldOpener {
    final List<String> paths;
    final Set<String> unreadablePatterns;
    final Unreadable mode;
    final Set<String> opened = new LinkedHashSet<>();

    Opener(List<String> paths) {
      this(paths, Set.of(), Unreadable.FAIL);
    }

    Opener(List<String> paths, Set<String> unreadablePatterns, Unreadable mode) {
      this.paths = paths;
      this.unreadablePatterns = new HashSet<>(unreadablePatterns);
      this.mode = mode;
    }

    @Override
    public List<String> sealedPaths() {
      return paths;
    }

    /** As serde-core's: one call per record, exactly the listed paths, each opened. */
    @Override
    public Map<String, byte[]> open(Map<String, byte[]> ciphertexts) {
      if (!ciphertexts.keySet().equals(new java.util.HashSet<>(paths))) {
        throw malformed("opened " + ciphertexts.keySet() + ", listed " + paths);
      }
      Map<String, byte[]> out = new java.util.HashMap<>();
      for (String path : paths) {
        out.put(path, openOne(path, ciphertexts.get(path)));
      }
      return out;
    }

    private byte[] openOne(String concretePath, byte[] ciphertext) {
      if (unreadablePatterns.contains(FieldPath.parse(concretePath).pattern())) {
        if (mode == Unreadable.FAIL) {
          throw new IllegalStateException("not allowed: " + concretePath);
        }
        return null;
      }
      byte[] p = concretePath.getBytes(StandardCharsets.UTF_8);
      if (ciphertext.length <= p.length || ciphertext[p.length] != 0
          || !Arrays.equals(Arrays.copyOf(ciphertext, p.length), p)) {
        throw new IllegalStateException("moved: " + concretePath);
      }
      byte[] enc = Arrays.copyOfRange(ciphertext, p.length + 1, ciphertext.length);
      for (int i = 0; i < enc.length; i++) {
        enc[i] = (byte) ~enc[i];
      }
      opened.add(concretePath);
      return enc;
    }

    @Override
    public Unreadable unreadable() {
      return mode;
    }

    @Override
    public RuntimeException malformed(String detail) {
      return new org.apache.kafka.common.errors.SerializationException("malformed: " + detail);
    }
  }
}
