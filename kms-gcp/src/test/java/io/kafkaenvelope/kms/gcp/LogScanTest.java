package io.kafkaenvelope.kms.gcp;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkaenvelope.testing.CapturingAppender;
import io.kafkaenvelope.testing.LogScan;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * Runs after every other class of the module (see junit-platform.properties) and scans everything
 * the suite logged (gRPC, Google's libraries and this library at DEBUG) for the service accounts'
 * private keys, the bearer tokens the fake accepted, the records' plaintext and every data key
 * the fake KMS was asked to wrap, in hex, Base64 and array form.
 */
@Order(Integer.MAX_VALUE)
class LogScanTest {

  @Test
  void noCredentialsOrKeyMaterialInAnyLogLine() {
    assertTrue(CapturingAppender.events().stream().anyMatch(e -> e.startsWith("io.grpc")),
        "gRPC's DEBUG output was captured");
    List<byte[]> keys = FakeGcpKms.issuedKeys();
    assertTrue(keys.size() > 10, "the suite made keys to look for: " + keys.size());
    List<String> needles = new ArrayList<>(FakeGcpKms.secrets());
    assertTrue(needles.size() > 3, "credentials to look for: " + needles.size());
    needles.add(GcpKmsEndToEndTest.MARKER);
    needles.addAll(LogScan.keyForms(keys));
    LogScan.assertNoneLogged(needles, 20);
  }
}
