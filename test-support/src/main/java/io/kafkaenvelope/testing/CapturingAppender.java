package io.kafkaenvelope.testing;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.StackTraceElementProxy;
import ch.qos.logback.core.AppenderBase;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Keeps the text of every log event of the test JVM, stack traces included, for {@link LogScan}.
 * Name it in a module's {@code logback-test.xml}:
 * {@code <appender name="CAPTURE" class="io.kafkaenvelope.testing.CapturingAppender"/>}.
 */
public final class CapturingAppender extends AppenderBase<ILoggingEvent> {

  private static final ConcurrentLinkedQueue<String> EVENTS = new ConcurrentLinkedQueue<>();

  @Override
  protected void append(ILoggingEvent event) {
    StringBuilder sb = new StringBuilder(event.getLoggerName()).append(' ')
        .append(event.getFormattedMessage());
    for (IThrowableProxy t = event.getThrowableProxy(); t != null; t = t.getCause()) {
      sb.append('\n').append(t.getClassName()).append(": ").append(t.getMessage());
      for (StackTraceElementProxy e : t.getStackTraceElementProxyArray()) {
        sb.append('\n').append(e.getSTEAsString());
      }
    }
    EVENTS.add(sb.toString());
  }

  /** Every event so far, each as {@code "<logger> <message>[\n<stack trace>]"}. */
  public static List<String> events() {
    return new ArrayList<>(EVENTS);
  }
}
