package io.kafkaenvelope.testing;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.AppenderBase;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Keeps the text of every log event of the test JVM, stack traces (causes and suppressed)
 * included, for {@link LogScan}.
 * Name it in a module's {@code logback-test.xml}:
 * {@code <appender name="CAPTURE" class="io.kafkaenvelope.testing.CapturingAppender"/>}.
 */
public final class CapturingAppender extends AppenderBase<ILoggingEvent> {

  private static final ConcurrentLinkedQueue<String> EVENTS = new ConcurrentLinkedQueue<>();

  @Override
  protected void append(ILoggingEvent event) {
    StringBuilder sb = new StringBuilder(event.getLoggerName()).append(' ')
        .append(event.getFormattedMessage());
    if (event.getThrowableProxy() != null) { // causes and suppressed exceptions included
      sb.append('\n').append(ThrowableProxyUtil.asString(event.getThrowableProxy()));
    }
    EVENTS.add(sb.toString());
  }

  /** Every event so far, each as {@code "<logger> <message>[\n<stack trace>]"}. */
  public static List<String> events() {
    return new ArrayList<>(EVENTS);
  }
}
