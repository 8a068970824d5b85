package io.kafkaenvelope.internal.config;

import java.util.Collection;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds the {@code envelope.*} settings nobody reads, with the nearest known name, and logs each
 * once per JVM. A setting counts as ours to judge when it lies in a namespace serde-core or a KMS
 * provider owns ({@code envelope.dek.}, {@code envelope.kms.}, ...: the second segment of a known
 * name), or when it is within two edits of a known name; other {@code envelope.*} names belong to
 * format modules and wrappers (Avro, JSON, Protobuf, Connect) and are left alone.
 * {@code envelope.key.<name>} is judged as {@code envelope.<name>}; {@code envelope.inner.*}
 * passes settings through to the wrapped serde and is never judged. A known name ending in
 * {@code .} is a prefix (e.g. {@code envelope.fields.kek.}): every name under it is known.
 *
 * <p>A warning, not an error: an unknown setting changes nothing, and refusing it would break
 * applications that share one properties file between versions.
 */
public final class UnknownSettings {

  private static final Logger LOG = LoggerFactory.getLogger(UnknownSettings.class);
  private static final String PREFIX = "envelope.";
  private static final String KEY_PREFIX = "envelope.key.";
  private static final String PASS_THROUGH = "envelope.inner.";
  private static final int MAX_SUGGESTION_DISTANCE = 2;
  private static final Set<String> WARNED = ConcurrentHashMap.newKeySet();

  private UnknownSettings() {}

  /**
   * The unknown names among {@code settings}, each with the nearest known name (or {@code null}
   * when none is close), in name order.
   */
  public static Map<String, String> find(Collection<String> settings, Set<String> known) {
    Set<String> namespaces = new TreeSet<>();
    for (String k : known) {
      namespaces.add(namespace(k));
    }
    Map<String, String> unknown = new TreeMap<>();
    for (String s : settings) {
      if (!s.startsWith(PREFIX) || s.startsWith(PASS_THROUGH) || known.contains(s)) {
        continue;
      }
      String judged = s.startsWith(KEY_PREFIX) ? PREFIX + s.substring(KEY_PREFIX.length()) : s;
      if (known.contains(judged) || judged.startsWith(PASS_THROUGH)
          || underKnownPrefix(judged, known)) {
        continue;
      }
      String nearest = nearest(judged, known);
      boolean close = nearest != null && distance(judged, nearest) <= MAX_SUGGESTION_DISTANCE;
      if (namespaces.contains(namespace(judged)) || close) {
        unknown.put(s, close || nearest == null ? nearest
            : nearestIfSameNamespace(judged, nearest));
      }
    }
    return unknown;
  }

  private static boolean underKnownPrefix(String name, Set<String> known) {
    for (String k : known) {
      if (k.endsWith(".") && name.startsWith(k) && name.length() > k.length()) {
        return true;
      }
    }
    return false;
  }

  /** Logs each unknown setting of {@code settings} once per JVM (WARN), naming the nearest. */
  public static void warnOnce(Collection<String> settings, Set<String> known) {
    for (Map.Entry<String, String> e : find(settings, known).entrySet()) {
      if (WARNED.add(e.getKey())) {
        LOG.warn("Unknown setting {} is ignored{}", e.getKey(),
            e.getValue() == null ? "" : " (did you mean " + e.getValue() + "?)");
      }
    }
  }

  private static String nearestIfSameNamespace(String name, String nearest) {
    return namespace(name).equals(namespace(nearest)) ? nearest : null;
  }

  /** {@code envelope.dek.max.records} → {@code dek}; {@code envelope.mode} → {@code mode}. */
  private static String namespace(String name) {
    String rest = name.startsWith(PREFIX) ? name.substring(PREFIX.length()) : name;
    int dot = rest.indexOf('.');
    return dot < 0 ? rest : rest.substring(0, dot);
  }

  private static String nearest(String name, Set<String> known) {
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String k : known) {
      int d = distance(name, k);
      if (d < bestDistance || (d == bestDistance && k.compareTo(best) < 0)) {
        best = k;
        bestDistance = d;
      }
    }
    return best;
  }

  /** Levenshtein distance (insertions, deletions, substitutions). */
  static int distance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int subst = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        cur[j] = Math.min(subst, Math.min(prev[j] + 1, cur[j - 1] + 1));
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }
}
