package io.kafkaenvelope.kms.azure;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkaenvelope.testing.CapturingAppender;
import io.kafkaenvelope.testing.LogScan;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * Runs after every other class of the module (see junit-platform.properties) and scans everything
 * the suite logged (the Azure SDK, MSAL and this library at DEBUG) for the bearer tokens, the
 * client secrets (right and wrong), record plaintext and every data key clients sent to the
 * fake Key Vault, in hex, Base64 and array form.
 */
@Order(Integer.MAX_VALUE)
class LogScanTest {

  @Test
  void noTokensSecretsOrKeyMaterialInAnyLogLine() {
    assertTrue(CapturingAppender.events().stream().anyMatch(e -> e.startsWith("com.azure")),
        "the SDK's DEBUG output was captured");
    List<byte[]> keys = FakeKeyVault.issuedKeys();
    assertTrue(keys.size() > 10, "the suite made keys to look for: " + keys.size());
    List<String> needles = new ArrayList<>(List.of(TestCredential.TOKEN,
        AzureKeyVaultConfigTest.SECRET, AzureKeyVaultEndToEndTest.MARKER,
        AzureClientSecretTest.SECRET, AzureClientSecretTest.WRONG_SECRET,
        AzureClientSecretTest.ENTRA_TOKEN));
    needles.addAll(LogScan.keyForms(keys));
    for (byte[] k : keys) { // Key Vault's bodies are base64url: the DEK's first 30 bytes align
      needles.add(Base64.getUrlEncoder().encodeToString(Arrays.copyOf(k, 30)));
    }
    LogScan.assertNoneLogged(needles, 20);
  }
}
