package io.kafkaenvelope.connect;

import io.kafkaenvelope.testing.LogScan;
import java.util.List;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * Runs after every other test class of the module (junit-platform.properties) and scans the
 * suite's log output, the Connect worker's and failed tasks' traces included, for the plaintext
 * markers the test records carry.
 */
@Order(Integer.MAX_VALUE)
class LogScanTest {

  @Test
  void noPlaintextInAnyLogLine() {
    LogScan.assertNoneLogged(List.of(EncryptingConverterTest.MARKER, FileStreamConnectTest.MARKER,
        MirrorMakerTest.MARKER, RegistryConverterTest.MARKER), 100);
  }
}
