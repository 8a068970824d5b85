package io.kafkaenvelope;

import static io.kafkaenvelope.testing.TestConfigs.MARKER;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
}
