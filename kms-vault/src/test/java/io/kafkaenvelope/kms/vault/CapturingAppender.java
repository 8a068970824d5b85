package io.kafkaenvelope.kms.vault;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.StackTraceElementProxy;
import ch.qos.logback.core.AppenderBase;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

/** Keeps the text of every log event of the test JVM (with stack traces), for {@link LogScanTest}. */
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

  static List<String> events() {
    return new ArrayList<>(EVENTS);
  }
}
