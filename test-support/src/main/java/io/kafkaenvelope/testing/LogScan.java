package io.kafkaenvelope.testing;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;

/**
 * The suite-wide log scan each module runs last: nothing captured by {@link CapturingAppender}
 * may contain a secret, a key in any of the forms a careless log line would print it, or the
 * plaintext marker of the module's test records.
 */
public final class LogScan {

  private LogScan() {}

  /** The forms a key would take in a log line: hex (both cases), Base64 and {@code [1, 2, ...]}. */
  public static List<String> keyForms(Collection<byte[]> keys) {
    List<String> forms = new ArrayList<>();
    for (byte[] key : keys) {
      forms.add(HexFormat.of().formatHex(key));
      forms.add(HexFormat.of().withUpperCase().formatHex(key));
      forms.add(Base64.getEncoder().encodeToString(key));
      forms.add(Arrays.toString(key));
    }
    return forms;
  }

  /**
   * Asserts the suite logged at least {@code minEvents} events and none contains a needle. The
   * failure names the logger, never the needle, so the report itself leaks nothing.
   */
  public static void assertNoneLogged(Collection<String> needles, int minEvents) {
    List<String> events = CapturingAppender.events();
    assertTrue(events.size() >= minEvents, "the suite logged something to scan: " + events.size());
    for (String event : events) {
      for (String needle : needles) {
        assertFalse(event.contains(needle), "a secret, key or plaintext in a log line of "
            + event.substring(0, Math.max(0, event.indexOf(' '))));
      }
    }
  }
}
