package io.kafkaenvelope.kms.vault;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkaenvelope.kms.DataKey;
import io.kafkaenvelope.kms.EncryptionContext;
import io.kafkaenvelope.kms.KmsException;
import io.kafkaenvelope.kms.KmsException.Reason;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A flood of 403s (hostile records, a role whose tokens Vault keeps refusing) costs at most one
 * login, and one lookup-self per token, per relogin.backoff.ms window, across threads; replaced
 * tokens that are still valid are revoked. The window is timed by a fake clock.
 */
class VaultReloginBoundTest {

  static final String ROLE = "relogin-role";
  static final String SECRET = "relogin-secret-never-printed-0040";
  static final long WINDOW_MS = 10_000;
  static final List<String> POLICY = List.of("transit/datakey/plaintext/orders",
      "transit/decrypt/orders");

  FakeVault vault;
  final AtomicLong clock = new AtomicLong(1_000_000_000L);

  @BeforeEach
  void start() throws Exception {
    vault = new FakeVault();
    vault.createKey("transit", "orders", false);
    vault.createKey("transit", "payments", false);
  }

  @AfterEach
  void stop() {
    vault.close();
  }

  Map<String, Object> appRole() {
    Map<String, Object> c = new HashMap<>();
    c.put("envelope.kms.vault.address", vault.address());
    c.put("envelope.kms.vault.auth.method", "approle");
    c.put("envelope.kms.vault.approle.role.id", ROLE);
    c.put("envelope.kms.vault.approle.secret.id", SECRET);
    c.put("envelope.kms.vault.relogin.backoff.ms", String.valueOf(WINDOW_MS));
    c.put("envelope.kms.vault.retry.backoff.ms", "5");
    return c;
  }

  VaultTransitKms client(Map<String, Object> c) {
    return new VaultTransitKms(new VaultTransitConfig(c), clock::get);
  }

  void advance(long ms) {
    clock.addAndGet(TimeUnit.MILLISECONDS.toNanos(ms));
  }

  static EncryptionContext ctx(String kek) {
    return EncryptionContext.forDek(kek);
  }

  /** {@code n} calls from 8 threads released together; returns how many succeeded. */
  static int flood(int n, Runnable call, List<KmsException> failures) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(8);
    CountDownLatch go = new CountDownLatch(1);
    try {
      List<Future<Boolean>> results = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        results.add(pool.submit(() -> {
          go.await();
          try {
            call.run();
            return true;
          } catch (KmsException e) {
            synchronized (failures) {
              failures.add(e);
            }
            return false;
          }
        }));
      }
      go.countDown();
      int ok = 0;
      for (Future<Boolean> f : results) {
        ok += f.get(60, TimeUnit.SECONDS) ? 1 : 0;
      }
      return ok;
    } finally {
      pool.shutdownNow();
    }
  }

  /**
   * Tokens of one use each (token_num_uses=1): before the bound, every second call met a spent
   * token and logged in again, one login per record.
   */
  @Test
  void tokensVaultKeepsRefusingCauseOneLoginPerWindowNotOnePerRecord() throws Exception {
    vault.addAppRole(ROLE, SECRET, 600_000, 0, true, POLICY);
    vault.loginTokenNumUses(1);
    try (VaultTransitKms kms = client(appRole())) {
      kms.generateDataKey("orders", ctx("orders")); // login 1; its token's one use is spent
      vault.resetCounters();
      List<KmsException> failures = new ArrayList<>();
      int ok = flood(200, () -> kms.generateDataKey("orders", ctx("orders")), failures);
      assertEquals(1, vault.calls("login/approle"), "one re-login for 200 refused calls");
      assertEquals(2, vault.calls("lookup-self"), "one lookup per dead token, not per call");
      assertEquals(0, vault.calls("revoke-self"), "a dead token needs no revocation");
      assertEquals(1, ok, "the re-login's token had one use, which served one call");
      assertEquals(200 - ok, failures.size());
      assertTrue(failures.stream().allMatch(e -> e.reason() == Reason.ACCESS_DENIED));
      assertTrue(failures.stream().anyMatch(e -> e.getMessage().contains(
          "not logging in again within envelope.kms.vault.relogin.backoff.ms (10000 ms)")),
          failures.get(0).getMessage());
      assertTrue(vault.calls("datakey/plaintext") <= 200 + 8,
          "only calls in flight when the token was replaced were repeated");

      advance(WINDOW_MS - 1);
      assertThrows(KmsException.class, () -> kms.generateDataKey("orders", ctx("orders")));
      assertEquals(1, vault.calls("login/approle"), "still within the window");
      advance(1);
      kms.generateDataKey("orders", ctx("orders"));
      assertEquals(2, vault.calls("login/approle"), "one more login once the window passed");
      assertEquals(2, vault.calls("lookup-self"), "the dead token was not looked up again");
    }
  }

  /** A live token refused by its policy (records naming a key it may not use). */
  @Test
  void policyDenialsCostOneLookupPerWindowAndNoLogin() throws Exception {
    vault.addAppRole(ROLE, SECRET, 600_000, 0, true, POLICY);
    try (VaultTransitKms kms = client(appRole())) {
      DataKey payments;
      try (VaultTransitKms root = client(withToken())) {
        assertTrue(vault.awaitCalls("lookup-self", 1, 30_000), "the root client's start-up lookup");
        payments = root.generateDataKey("payments", ctx("payments"));
      }
      kms.generateDataKey("orders", ctx("orders"));
      vault.resetCounters();
      List<KmsException> failures = new ArrayList<>();
      int ok = flood(100, () -> kms.unwrap("payments", payments.wrapped(), ctx("payments")),
          failures);
      assertEquals(0, ok);
      assertTrue(failures.stream().allMatch(e -> e.reason() == Reason.ACCESS_DENIED
          && e.getMessage().contains("transit/decrypt/payments")));
      assertEquals(1, vault.calls("lookup-self"), "the token was found alive once");
      assertEquals(0, vault.calls("login/approle"));
      assertEquals(100, vault.calls("decrypt"), "each refused call made exactly one request");
      advance(WINDOW_MS);
      assertThrows(KmsException.class,
          () -> kms.unwrap("payments", payments.wrapped(), ctx("payments")));
      assertEquals(2, vault.calls("lookup-self"), "looked up again after the window");
      assertEquals(0, vault.calls("login/approle"));
    }
  }

  Map<String, Object> withToken() {
    vault.addToken("hvs.relogin-root-0041", 0, 0, false, null);
    Map<String, Object> c = new HashMap<>();
    c.put("envelope.kms.vault.address", vault.address());
    c.put("envelope.kms.vault.token", "hvs.relogin-root-0041");
    return c;
  }

  @Test
  void aRevokedGivenTokenIsLookedUpOnceAndNeverLogsIn() throws Exception {
    vault.addToken("hvs.given-0042", 0, 0, false, POLICY);
    Map<String, Object> c = new HashMap<>();
    c.put("envelope.kms.vault.address", vault.address());
    c.put("envelope.kms.vault.token", "hvs.given-0042");
    try (VaultTransitKms kms = client(c)) {
      // the client looks a given token up once in the background when it starts; counted
      // before the reset below, whenever that thread gets to run
      assertTrue(vault.awaitCalls("lookup-self", 1, 30_000), "the start-up lookup");
      kms.generateDataKey("orders", ctx("orders"));
      vault.revoke("hvs.given-0042");
      vault.resetCounters();
      List<KmsException> failures = new ArrayList<>();
      assertEquals(0, flood(50, () -> kms.generateDataKey("orders", ctx("orders")), failures));
      assertTrue(failures.stream().allMatch(e -> e.reason() == Reason.ACCESS_DENIED));
      assertTrue(failures.stream().anyMatch(e -> e.getMessage().contains(
          "envelope.kms.vault.token has expired or was revoked")));
      assertTrue(vault.calls("lookup-self") <= 1, "at most one lookup for the dead token");
    }
  }

  @Test
  void aFailedLoginIsNotRepeatedWithinTheWindow() throws Exception {
    vault.addAppRole(ROLE, "another-secret", 600_000, 0, true, POLICY);
    try (VaultTransitKms kms = client(appRole())) {
      List<KmsException> failures = new ArrayList<>();
      assertEquals(0, flood(50, () -> kms.generateDataKey("orders", ctx("orders")), failures));
      assertEquals(1, vault.calls("login/approle"), "one login attempt for 50 calls");
      assertTrue(failures.stream().allMatch(e -> e.reason() == Reason.ACCESS_DENIED));
      assertTrue(failures.stream().anyMatch(e -> e.getMessage().contains(
          "not trying again within envelope.kms.vault.relogin.backoff.ms")));
      assertFalse(failures.stream().anyMatch(e -> e.getMessage().contains(SECRET)));
      vault.addAppRole(ROLE, SECRET, 600_000, 0, true, POLICY); // the operator fixes the role
      advance(WINDOW_MS);
      kms.generateDataKey("orders", ctx("orders"));
      assertEquals(2, vault.calls("login/approle"));
    }
  }

  /** Renewal gave way to a new login (not renewable, or max TTL near): the old token is revoked. */
  @Test
  void aTokenReplacedByALoginWhileStillValidIsRevoked() throws Exception {
    vault.addAppRole(ROLE, SECRET, 600_000, 0, false, POLICY); // not renewable: refresh logs in
    try (VaultTransitKms kms = client(appRole())) {
      DataKey k = kms.generateDataKey("orders", ctx("orders"));
      List<String> first = vault.liveLoginTokens();
      assertEquals(1, first.size());
      vault.resetCounters();
      kms.auth().refreshNow();
      assertEquals(1, vault.calls("login/approle"));
      assertEquals(1, vault.calls("revoke-self"));
      assertTrue(vault.wasRevoked(first.get(0)), "the replaced token no longer works");
      List<String> second = vault.liveLoginTokens();
      assertEquals(1, second.size(), "exactly one live token left: " + second.size());
      assertFalse(second.contains(first.get(0)));
      assertArrayEquals(k.plaintext(), kms.unwrap("orders", k.wrapped(), ctx("orders")),
          "the new token is in use");
      assertEquals(1, vault.calls("login/approle"));
    }
  }

  /** Revocation is best effort: a refused revoke-self leaves the new token in use. */
  @Test
  void aFailedRevocationDoesNotDisturbTheNewToken() throws Exception {
    vault.addAppRole(ROLE, SECRET, 600_000, 0, false, POLICY);
    try (VaultTransitKms kms = client(appRole())) {
      kms.generateDataKey("orders", ctx("orders"));
      String first = vault.liveLoginTokens().get(0);
      vault.expireAllTokens(); // revoke-self with the old token will now be refused
      vault.resetCounters();
      kms.auth().refreshNow();
      assertEquals(1, vault.calls("revoke-self"));
      assertFalse(vault.wasRevoked(first));
      kms.generateDataKey("orders", ctx("orders"));
      assertEquals(1, vault.calls("login/approle"), "the login of the refresh is used");
    }
  }
}
