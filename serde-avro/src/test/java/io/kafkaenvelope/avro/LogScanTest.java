package io.kafkaenvelope.avro;

import io.kafkaenvelope.testing.LogScan;
import java.util.List;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * Runs after every other test class of the module (junit-platform.properties) and scans the
 * suite's log output, stack traces included, for the plaintext marker every test record carries.
 */
@Order(Integer.MAX_VALUE)
class LogScanTest {

  @Test
  void noPlaintextInAnyLogLine() {
    LogScan.assertNoneLogged(List.of(Fixtures.MARKER, PaymentFixtures.SECRET), 10);
  }
}
