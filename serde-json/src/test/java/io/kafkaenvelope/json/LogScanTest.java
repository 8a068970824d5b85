package io.kafkaenvelope.json;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Runs after every other test class of the module (junit-platform.properties) and scans the
 * suite's log output, stack traces included, for the plaintext marker every test record carries.
 */
@Order(Integer.MAX_VALUE)
class LogScanTest {

  @Test
  void noPlaintextInAnyLogLine() {
    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    @SuppressWarnings("unchecked")
    ListAppender<ILoggingEvent> list = (ListAppender<ILoggingEvent>) root.getAppender("LIST");
    List<ILoggingEvent> events = List.copyOf(list.list);
    assertTrue(events.size() > 10, "the suite logged something to scan: " + events.size());
    for (ILoggingEvent e : events) {
      String text = e.getFormattedMessage()
          + (e.getThrowableProxy() == null ? "" : ThrowableProxyUtil.asString(e.getThrowableProxy()));
      assertFalse(text.contains(Fixtures.MARKER), "plaintext in a log line of " + e.getLoggerName());
    }
  }
}
