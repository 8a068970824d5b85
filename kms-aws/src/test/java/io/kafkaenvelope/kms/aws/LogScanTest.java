package io.kafkaenvelope.kms.aws;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * Runs after every other class of the module (see junit-platform.properties) and scans everything
 * the suite logged (the AWS SDK and this library at DEBUG) for the test credentials and for every
 * data key the fake KMS handed out, in hex, Base64 and array form.
 */
@Order(Integer.MAX_VALUE)
class LogScanTest {

  @Test
  void noCredentialsOrKeyMaterialInAnyLogLine() {
    List<String> events = CapturingAppender.events();
    assertTrue(events.size() > 20, "the suite logged something to scan: " + events.size());
    assertTrue(events.stream().anyMatch(e -> e.startsWith("software.amazon.awssdk")),
        "the SDK's DEBUG output was captured");
    List<byte[]> keys = FakeAwsKms.issuedKeys();
    assertTrue(keys.size() > 10, "the suite made keys to look for: " + keys.size());
    List<String> needles = new ArrayList<>(List.of(AwsKmsTest.SECRET, AwsKmsTest.SESSION_SECRET,
        AwsKmsTest.SESSION_TOKEN, AwsKmsTest.EXTERNAL_ID, AwsKmsEndToEndTest.MARKER));
    for (byte[] key : keys) {
      needles.add(HexFormat.of().formatHex(key));
      needles.add(HexFormat.of().withUpperCase().formatHex(key));
      needles.add(Base64.getEncoder().encodeToString(key));
      needles.add(Arrays.toString(key));
    }
    for (String event : events) {
      for (String needle : needles) {
        assertFalse(event.contains(needle), "a secret, key or plaintext in a log line of "
            + event.substring(0, event.indexOf(' ')));
      }
    }
  }
}
