package io.kafkaenvelope.avro.internal;

import io.kafkaenvelope.internal.field.FieldOpener;
import io.kafkaenvelope.internal.field.FieldPaths;
import io.kafkaenvelope.internal.field.FieldRule;
import io.kafkaenvelope.internal.field.FieldSealer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A stand-in for serde-core's field encryption, to test the Avro walk alone: selection as the
 * engine's (listed pattern, annotation or tag), and a "ciphertext" that is the concrete path
 * followed by the encoding XOR 0x5A, so a moved value is detected and no plaintext shows.
 */
final class FakeFieldKeys {

  private FakeFieldKeys() {}

  /** The producer side; {@link #sealed} lists the concrete paths it sealed. */
  static final class Sealer implements FieldSealer {
    final FieldSelection selection;
    final List<String> sealed = new ArrayList<>();

    Sealer(Set<String> patterns, Set<String> tags) {
      this.selection = new FieldSelection(patterns, tags);
    }

    @Override
    public Set<String> configuredPatterns() {
      return selection.patterns();
    }

    @Override
    public FieldRule select(String pattern, boolean annotated, Set<String> tags) {
      if (!selection.selected(pattern, annotated, tags)) {
        return null;
      }
      return new FieldRule() {
        @Override
        public String pattern() {
          return pattern;
        }

        @Override
        public boolean deterministic() {
          return false;
        }
      };
    }

    @Override
    public byte[] seal(FieldRule rule, String concretePath, byte[] encoding) {
      if (!FieldPaths.patternOf(concretePath).equals(rule.pattern())) {
        throw new AssertionError(concretePath + " is no occurrence of " + rule.pattern());
      }
      sealed.add(concretePath);
      byte[] path = concretePath.getBytes(StandardCharsets.UTF_8);
      byte[] out = new byte[1 + path.length + encoding.length];
      out[0] = (byte) path.length;
      System.arraycopy(path, 0, out, 1, path.length);
      for (int i = 0; i < encoding.length; i++) {
        out[1 + path.length + i] = (byte) (encoding[i] ^ 0x5A);
      }
      return out;
    }

    @Override
    public RuntimeException configError(String detail) {
      return new IllegalStateException("config: " + detail);
    }
  }

  /** The consumer side; patterns in {@code unreadable} are fields this reader has no key for. */
  static final class Opener implements FieldOpener {
    final List<String> paths;
    final Set<String> unreadablePatterns;
    final Unreadable mode;
    final List<String> opened = new ArrayList<>();

    Opener(List<String> paths, Set<String> unreadablePatterns, Unreadable mode) {
      this.paths = paths;
      this.unreadablePatterns = unreadablePatterns;
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
      opened.add(concretePath);
      byte[] path = concretePath.getBytes(StandardCharsets.UTF_8);
      if (ciphertext.length < 1 + path.length || ciphertext[0] != path.length
          || !Arrays.equals(path, Arrays.copyOfRange(ciphertext, 1, 1 + path.length))) {
        throw new SecurityException("tampered or moved: " + concretePath);
      }
      if (unreadablePatterns.contains(FieldPaths.patternOf(concretePath))) {
        if (mode == Unreadable.FAIL) {
          throw new SecurityException("no key for " + concretePath);
        }
        return null;
      }
      byte[] out = Arrays.copyOfRange(ciphertext, 1 + path.length, ciphertext.length);
      for (int i = 0; i < out.length; i++) {
        out[i] ^= 0x5A;
      }
      return out;
    }

    @Override
    public Unreadable unreadable() {
      return mode;
    }

    @Override
    public RuntimeException malformed(String detail) {
      return new IllegalArgumentException("malformed: " + detail);
    }
  }
}
