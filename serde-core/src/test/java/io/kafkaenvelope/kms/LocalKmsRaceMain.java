package io.kafkaenvelope.kms;

import io.kafkaenvelope.kms.local.LocalKms;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;

/**
 * A child process of {@link LocalKmsTest}: waits for a start file, then creates (or finds) a KEK
 * in a shared directory and prints a test data key and its wrapped form, base64, for the parent to
 * unwrap. Test-only keys: printing them is the point.
 */
public final class LocalKmsRaceMain {

  private LocalKmsRaceMain() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    String kek = args[1];
    Path go = Path.of(args[2]);
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (!Files.exists(go) && System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }
    DataKey k = new LocalKms(dir, true).generateDataKey(kek, EncryptionContext.forDek(kek));
    System.out.println(Base64.getEncoder().encodeToString(k.plaintext()) + " "
        + Base64.getEncoder().encodeToString(k.wrapped()));
  }
}
