package io.kafkaenvelope.internal.compress;

import java.util.Arrays;

/**
 * Bounds the bytes that the compressed records of one poll decompress to together. A deserializer
 * cannot see where a poll begins, but a poll returns at most {@code max.poll.records} records, so
 * the sum over the last that many compressed records bounds every poll. When a record would
 * exceed the budget it is refused and the count starts again: the refusal ends the poll (the
 * consumer throws), so the next poll, which may retry the record, gets a fresh budget.
 *
 * <p>Internal API.
 */
public final class DecompressionBudget {

  private final long budget;
  private final long[] window;
  private int next;
  private long sum;

  /**
   * @param budget bytes the last {@code records} compressed records may decompress to together
   * @param records how many records one poll returns at most ({@code max.poll.records})
   */
  public DecompressionBudget(long budget, int records) {
    this.budget = budget;
    this.window = new long[Math.max(1, records)];
  }

  /** Takes {@code bytes} for one record; {@code false}, and a fresh count, if they do not fit. */
  public synchronized boolean take(long bytes) {
    long evicted = window[next];
    if (sum - evicted + bytes > budget) {
      Arrays.fill(window, 0);
      sum = 0;
      next = 0;
      return false;
    }
    sum += bytes - evicted;
    window[next] = bytes;
    next = next + 1 == window.length ? 0 : next + 1;
    return true;
  }

  public long budget() {
    return budget;
  }
}
