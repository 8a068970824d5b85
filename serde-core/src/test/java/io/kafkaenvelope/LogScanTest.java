package io.kafkaenvelope;

import static io.kafkaenvelope.testing.TestConfigs.MARKER;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkaenvelope.testing.CapturingAppender;
import io.kafkaenvelope.testing.RecordingKmsProvider;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * Runs after every other test class of the module (see junit-platform.properties) and scans all
 * log output the suite produced, at DEBUG, for the plaintext marker every test record carries and
 * for every DEK the suite's KMSs handed out, in hex, Base64 and array form.
 */
@Order(Integer.MAX_VALUE)
class LogScanTest {

  @Test
  void noKeyMaterialOrPlaintextInAnyLogLine() {
    List<String> events = CapturingAppender.events();
    assertTrue(events.size() > 10, "the suite logged something to scan: " + events.size());
    assertTrue(RecordingKmsProvider.ISSUED.size() > 10,
        "the suite made keys to look for: " + RecordingKmsProvider.ISSUED.size());
    List<String> needles = new ArrayList<>();
    needles.add(MARKER);
    for (byte[] key : RecordingKmsProvider.ISSUED) {
      needles.add(HexFormat.of().formatHex(key));
      needles.add(HexFormat.of().withUpperCase().formatHex(key));
      needles.add(Base64.getEncoder().encodeToString(key));
      needles.add(Arrays.toString(key));
    }
    for (String event : events) {
      for (String needle : needles) {
        assertFalse(event.contains(needle), "secret or plaintext in a log line: "
            + (needle.equals(MARKER) ? "plaintext marker" : "a DEK"));
      }
    }
  }
}
