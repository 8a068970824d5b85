package io.kafkaenvelope.cli;

import java.io.PrintWriter;

/**
 * A progress bar on stderr for long scans: one line each time another tenth of the expected
 * records is done (by count, not by time, so the output is the same on every run), only when at
 * least {@value #MIN_TOTAL} records are expected. Never on stdout, which carries the results.
 */
final class Progress {

  static final long MIN_TOTAL = 10_000;
  private static final int WIDTH = 30;

  private final PrintWriter err;
  private final String label;
  private final long total;
  private final boolean enabled;
  private long done;
  private int shownTenths;

  Progress(PrintWriter err, String label, long total, boolean enabled) {
    this.err = err;
    this.label = label;
    this.total = total;
    this.enabled = enabled && total >= MIN_TOTAL;
  }

  static Progress none() {
    return new Progress(null, "", 0, false);
  }

  void step() {
    done++;
    if (!enabled) {
      return;
    }
    int tenths = (int) Math.min(10, done * 10 / total);
    if (tenths > shownTenths && tenths < 10) {
      shownTenths = tenths;
      show(tenths * 10);
    }
  }

  void done() {
    if (enabled && shownTenths < 10) {
      shownTenths = 10;
      show(100);
    }
  }

  long count() {
    return done;
  }

  private void show(int percent) {
    int filled = WIDTH * percent / 100;
    err.printf("%s [%s%s] %3d%% %,d records%n", label, "=".repeat(filled),
        " ".repeat(WIDTH - filled), percent, done);
    err.flush();
  }
}
