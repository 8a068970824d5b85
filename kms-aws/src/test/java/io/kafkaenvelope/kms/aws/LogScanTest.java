package io.kafkaenvelope.kms.aws;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkaenvelope.testing.CapturingAppender;
import io.kafkaenvelope.testing.LogScan;
import java.util.ArrayList;
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
    assertTrue(CapturingAppender.events().stream().anyMatch(
        e -> e.startsWith("software.amazon.awssdk")), "the SDK's DEBUG output was captured");
    List<byte[]> keys = FakeAwsKms.issuedKeys();
    assertTrue(keys.size() > 10, "the suite made keys to look for: " + keys.size());
    List<String> needles = new ArrayList<>(List.of(AwsKmsTest.SECRET, AwsKmsTest.SESSION_SECRET,
        AwsKmsTest.SESSION_TOKEN, AwsKmsTest.EXTERNAL_ID, AwsKmsEndToEndTest.MARKER,
        AwsKmsEndToEndTest.INTRUDER_SECRET, AwsFakeKmsStrictnessTest.OTHER_SECRET,
        AwsFakeKmsStrictnessTest.OTHER_SECRET_2));
    needles.addAll(LogScan.keyForms(keys));
    LogScan.assertNoneLogged(needles, 20);
  }
}
