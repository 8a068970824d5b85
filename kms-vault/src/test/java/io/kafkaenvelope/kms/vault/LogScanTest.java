package io.kafkaenvelope.kms.vault;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkaenvelope.testing.CapturingAppender;
import io.kafkaenvelope.testing.LogScan;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * Runs after every other class of the module (see junit-platform.properties) and scans everything
 * the suite logged (this library at DEBUG) for the tokens, secret ids and JWTs the tests used,
 * every token the fake Vault issued, every data key it handed out (hex, Base64 and array form) and
 * the record plaintext marker.
 */
@Order(Integer.MAX_VALUE)
class LogScanTest {

  @Test
  void noTokenSecretKeyOrPlaintextInAnyLogLine() {
    assertTrue(CapturingAppender.events().stream().anyMatch(
        e -> e.startsWith("io.kafkaenvelope.kms.vault.VaultHttp")),
        "the Vault client's DEBUG output was captured");
    List<byte[]> keys = FakeVault.issuedKeys();
    assertTrue(keys.size() > 10, "the suite made keys to look for: " + keys.size());
    assertTrue(FakeVault.issuedTokens().size() > 5, "logins happened");
    List<String> needles = new ArrayList<>(List.of(VaultTransitKmsTest.ROOT_TOKEN,
        VaultTransitKmsTest.SECRET_ID, VaultTransitKmsTest.JWT, VaultEndToEndTest.MARKER,
        VaultEndToEndTest.PRODUCER_SECRET_ID, VaultEndToEndTest.CONSUMER_SECRET_ID));
    needles.addAll(FakeVault.issuedTokens());
    needles.addAll(LogScan.keyForms(keys));
    LogScan.assertNoneLogged(needles, 20);
  }
}
