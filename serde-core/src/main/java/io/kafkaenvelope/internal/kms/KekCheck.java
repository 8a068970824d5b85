package io.kafkaenvelope.internal.kms;

import io.kafkaenvelope.internal.events.EnvelopeEvents;
import io.kafkaenvelope.kms.KeyManagementService;
import io.kafkaenvelope.kms.KeyManagementService.KekUse;
import io.kafkaenvelope.kms.KmsException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs {@link KeyManagementService#checkKek} within {@code envelope.kms.timeout.ms}. A KMS client
 * bounds its own calls, but a check at {@code configure()} or in a readiness probe must never hang
 * a client's start-up or a health endpoint whatever the provider does, so the call runs on a
 * daemon thread and is abandoned (reported {@code UNAVAILABLE}) when it takes longer.
 *
 * <p>Internal API.
 */
public final class KekCheck {

  private static final AtomicInteger THREADS = new AtomicInteger();
  private static final ExecutorService POOL = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "kafka-envelope-kek-check-" + THREADS.incrementAndGet());
    t.setDaemon(true);
    return t;
  });

  private KekCheck() {}

  /**
   * {@code kms.checkKek(kekId, use)}, reported to {@code events} as a {@code check} KMS call.
   *
   * @return whether the KMS checked the KEK ({@code false}: it cannot check)
   * @throws KmsException the KMS's answer, or {@code UNAVAILABLE} after {@code timeoutMs}
   */
  public static boolean check(KeyManagementService kms, String kekId, KekUse use,
      long timeoutMs, EnvelopeEvents events) {
    long start = System.nanoTime();
    CompletableFuture<Boolean> f = CompletableFuture.supplyAsync(
        () -> kms.checkKek(kekId, use), POOL);
    try {
      boolean checked = f.get(timeoutMs, TimeUnit.MILLISECONDS);
      if (checked) {
        events.kmsCall(EnvelopeEvents.KmsOperation.CHECK, System.nanoTime() - start, true);
      }
      return checked;
    } catch (ExecutionException e) {
      events.kmsCall(EnvelopeEvents.KmsOperation.CHECK, System.nanoTime() - start, false);
      Throwable cause = e.getCause();
      if (cause instanceof KmsException) {
        throw (KmsException) cause;
      }
      throw new KmsException(KmsException.Reason.UNAVAILABLE, kekId, "KMS client failed: "
          + cause.getClass().getName(), cause);
    } catch (TimeoutException e) {
      f.cancel(true);
      events.kmsCall(EnvelopeEvents.KmsOperation.CHECK, System.nanoTime() - start, false);
      throw new KmsException(KmsException.Reason.UNAVAILABLE, kekId, kms.describe()
          + " did not answer within " + timeoutMs + " ms (envelope.kms.timeout.ms)");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new KmsException(KmsException.Reason.UNAVAILABLE, kekId,
          "interrupted while checking the KEK");
    }
  }
}
