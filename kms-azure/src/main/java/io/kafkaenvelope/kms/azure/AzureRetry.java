package io.kafkaenvelope.kms.azure;

import com.azure.core.http.HttpHeaderName;
import com.azure.core.http.HttpResponse;
import com.azure.core.http.policy.RequestRetryCondition;
import com.azure.core.http.policy.RetryPolicy;
import com.azure.core.http.policy.RetryStrategy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeoutException;

/**
 * The retry rule of every Key Vault call: at most {@code max.retries} retries, only on throttling
 * (429), 408, 500, 502, 503, 504 and network errors, never on 400/401/403/404 (a permission or a
 * missing key does not change by asking again). The wait is exponential with jitter (half to all
 * of {@code base * 2^retry}), and a server's {@code Retry-After} (seconds) or
 * {@code retry-after-ms} is honoured but capped at {@code retry.max.backoff.ms}: azure-core's
 * default would sleep for whatever the header says, holding a producer's send for minutes.
 */
final class AzureRetry implements RetryStrategy {

  /** A header no server sends, so azure-core asks this strategy for every delay. */
  private static final String NO_HEADER = "x-kafka-envelope-never-sent";
  private static final HttpHeaderName RETRY_AFTER_MS = HttpHeaderName.fromString("retry-after-ms");
  private static final HttpHeaderName X_MS_RETRY_AFTER_MS =
      HttpHeaderName.fromString("x-ms-retry-after-ms");

  private final int maxRetries;
  private final long baseMs;
  private final long maxMs;

  AzureRetry(int maxRetries, long baseMs, long maxMs) {
    this.maxRetries = maxRetries;
    this.baseMs = baseMs;
    this.maxMs = maxMs;
  }

  RetryPolicy policy() {
    return new RetryPolicy(this, NO_HEADER, ChronoUnit.MILLIS);
  }

  @Override
  public int getMaxRetries() {
    return maxRetries;
  }

  @Override
  public Duration calculateRetryDelay(int retryAttempts) {
    long exp = Math.min(maxMs, baseMs << Math.min(retryAttempts, 20));
    long half = exp / 2;
    return Duration.ofMillis(half + ThreadLocalRandom.current().nextLong(exp - half + 1));
  }

  @Override
  public Duration calculateRetryDelay(RequestRetryCondition condition) {
    Long serverMs = condition.getResponse() == null ? null : retryAfterMs(condition.getResponse());
    if (serverMs != null) {
      return Duration.ofMillis(Math.min(maxMs, serverMs));
    }
    return calculateRetryDelay(condition.getTryCount());
  }

  /** The server's requested wait in milliseconds, or null when it sent none we can read. */
  static Long retryAfterMs(HttpResponse response) {
    for (HttpHeaderName h : new HttpHeaderName[] {X_MS_RETRY_AFTER_MS, RETRY_AFTER_MS}) {
      Long v = number(response.getHeaderValue(h));
      if (v != null) {
        return v;
      }
    }
    Long seconds = number(response.getHeaderValue(HttpHeaderName.RETRY_AFTER));
    return seconds == null ? null : Math.min(seconds, 3_600L) * 1_000L;
  }

  private static Long number(String v) {
    if (v == null || v.isBlank()) {
      return null;
    }
    try {
      long n = Long.parseLong(v.trim());
      return n < 0 ? null : n;
    } catch (NumberFormatException e) {
      return null; // an HTTP date: fall back to our own backoff
    }
  }

  @Override
  public boolean shouldRetry(HttpResponse response) {
    int s = response.getStatusCode();
    return s == 408 || s == 429 || s == 500 || s == 502 || s == 503 || s == 504;
  }

  @Override
  public boolean shouldRetryException(Throwable t) {
    return t instanceof IOException || t instanceof UncheckedIOException
        || t instanceof TimeoutException;
  }
}
