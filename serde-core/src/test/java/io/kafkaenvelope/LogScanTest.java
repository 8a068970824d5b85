package io.kafkaenvelope;

import static io.kafkaenvelope.testing.TestConfigs.MARKER;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkaenvelope.internal.events.AuditLog;
import io.kafkaenvelope.testing.CapturingAppender;
import io.kafkaenvelope.testing.LogScan;
import io.kafkaenvelope.testing.RecordingKmsProvider;
import java.util.ArrayList;
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
    assertTrue(RecordingKmsProvider.ISSUED.size() > 10,
        "the suite made keys to look for: " + RecordingKmsProvider.ISSUED.size());
    List<String> needles = new ArrayList<>(LogScan.keyForms(RecordingKmsProvider.ISSUED));
    needles.add(MARKER);
    LogScan.assertNoneLogged(needles, 10);
  }

  /**
   * The audit logger is covered by the scan above (it captures every logger); this checks the
   * suite did write audit lines of each key event, so the scan had them to look at, and that each
   * is one {@code event=...} line of {@code key=value} pairs.
   */
  @Test
  void auditLinesWereWrittenAndScanned() {
    List<String> audit = new ArrayList<>();
    for (String e : CapturingAppender.events()) {
      if (e.startsWith(AuditLog.LOGGER_NAME + " ")) {
        audit.add(e.substring(AuditLog.LOGGER_NAME.length() + 1));
      }
    }
    for (String event : List.of("dek-created", "dek-retired", "dek-unwrapped", "record-refused",
        "record-sent-unencrypted")) {
      assertTrue(audit.stream().anyMatch(l -> l.startsWith("event=" + event + " ")),
          "an audit line for " + event);
    }
    for (String line : audit) {
      assertTrue(line.matches("event=[a-z-]+( [a-z-]+=(\"[^\"]*\"|[^ \"]+))*"), line);
      assertFalse(line.contains(MARKER), line);
    }
  }
}
