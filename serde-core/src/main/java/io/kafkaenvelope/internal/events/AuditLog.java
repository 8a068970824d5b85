package io.kafkaenvelope.internal.events;

import io.kafkaenvelope.serde.EnvelopeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes one structured {@code key=value} line per key event on the logger
 * {@value #LOGGER_NAME}. Values that come from records (KEK ids, topics) are made printable first
 * ({@link EnvelopeException#printable}) and quoted when they hold a space or a quote, so a forged
 * header cannot forge a line. Never key material or record contents: only ids, counts and reasons.
 */
public final class AuditLog {

  /** The audit logger's name. */
  public static final String LOGGER_NAME = "kafka-envelope.audit";

  private static final Logger log = LoggerFactory.getLogger(LOGGER_NAME);

  private AuditLog() {}

  /**
   * Logs {@code event} with the given key/value pairs ({@code keyValues} alternates keys and
   * values; {@code null} values are left out).
   */
  static void event(String event, Object... keyValues) {
    if (!log.isInfoEnabled()) {
      return;
    }
    StringBuilder sb = new StringBuilder(128).append("event=").append(event);
    for (int i = 0; i + 1 < keyValues.length; i += 2) {
      Object v = keyValues[i + 1];
      if (v == null) {
        continue;
      }
      sb.append(' ').append(keyValues[i]).append('=');
      String s = EnvelopeException.printable(String.valueOf(v));
      if (s.isEmpty() || s.indexOf(' ') >= 0 || s.indexOf('"') >= 0 || s.indexOf('=') >= 0) {
        sb.append('"').append(s.replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
      } else {
        sb.append(s);
      }
    }
    log.info(sb.toString());
  }
}
