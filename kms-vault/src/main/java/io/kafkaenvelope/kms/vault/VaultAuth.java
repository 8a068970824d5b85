package io.kafkaenvelope.kms.vault;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kafkaenvelope.kms.KmsException;
import io.kafkaenvelope.kms.KmsException.Reason;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Holds the client's Vault token. A given token ({@code auth.method=token}) is looked up once and
 * renewed with renew-self; AppRole and Kubernetes log in on first use, renew the token at two
 * thirds of its TTL and log in again when it cannot be renewed (any further). All of that runs on
 * one daemon thread per client, so sends do not wait for it. A token that Vault refuses anyway
 * (revoked, or expired while the process was paused) is checked with lookup-self and replaced by
 * a fresh login before the caller's request is repeated once.
 *
 * <p>Refusals are bounded so that a flood of them (hostile records naming keys the token may not
 * use, a role whose tokens Vault keeps refusing) cannot turn into a login or lookup per record:
 * within one {@code relogin.backoff.ms} window, at most one login follows a refusal, a failed
 * login is not repeated, and a token found alive is not looked up again; a token found dead is
 * never looked up again. These checks are serialized across threads. A token replaced while still
 * valid (renewal gave way to a new login) is revoked with revoke-self, best effort.
 */
final class VaultAuth implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(VaultAuth.class);
  /** Renew (or log in again) once this fraction of the TTL has passed. */
  private static final double RENEW_AT = 2.0 / 3;
  /** A login method logs in again when a renewal grants less than this share of the login TTL. */
  private static final double RELOGIN_BELOW = 1.0 / 3;

  /** A token and what Vault said about its lifetime. Never printed. */
  static final class Token {
    final String value;
    final long ttlSeconds; // 0: does not expire
    final boolean renewable;
    final long obtainedNanos; // on the clock of the VaultAuth that made it
    final long loginTtlSeconds; // TTL granted at login, to notice max_ttl approaching

    Token(String value, long ttlSeconds, boolean renewable, long loginTtlSeconds,
        long obtainedNanos) {
      this.value = value;
      this.ttlSeconds = ttlSeconds;
      this.renewable = renewable;
      this.obtainedNanos = obtainedNanos;
      this.loginTtlSeconds = loginTtlSeconds;
    }

    boolean expired(long nowNanos) {
      return ttlSeconds > 0
          && nowNanos - obtainedNanos >= TimeUnit.SECONDS.toNanos(ttlSeconds);
    }

    @Override
    public String toString() {
      return "Token{<redacted>, ttl=" + ttlSeconds + "s}";
    }
  }

  private final VaultHttp http;
  private final VaultTransitConfig config;
  private final String method;
  private final long operationTimeoutMs;
  private final long reloginBackoffNanos;
  private final LongSupplier clock; // nanoTime; a fake one in tests
  private final Scheduler scheduler;
  private final Object lock = new Object();
  private volatile Token current;
  private Future<?> pending; // guarded by lock
  private KmsException lastLoginFailure; // guarded by lock
  private long lastLoginFailureNanos; // guarded by lock
  /** Serializes the handling of refusals (lookup-self, re-login) across threads. */
  private final Object deniedLock = new Object();
  private boolean reloggedAfterDenial; // guarded by deniedLock
  private long lastDeniedLoginNanos; // guarded by deniedLock
  private String aliveToken; // guarded by deniedLock: lookup-self said alive ...
  private long aliveCheckedNanos; // ... at this time
  private String deadToken; // guarded by deniedLock: lookup-self said dead (stays dead)

  /**
   * Where the background lookup, renewals and re-logins run: one daemon thread in production
   * ({@link #daemonThread()}); tests pass one that runs the planned tasks when they say so.
   */
  interface Scheduler {
    /** Runs {@code task} soon. */
    void execute(Runnable task);

    /** Runs {@code task} after {@code delayMs}; the answer cancels it. */
    Future<?> schedule(Runnable task, long delayMs);

    boolean isShutdown();

    /** Stops: nothing planned runs any more, a running task is interrupted. */
    void shutdownNow();
  }

  /** The production scheduler: one daemon thread per client. */
  static Scheduler daemonThread() {
    ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "kafka-envelope-vault-token");
      t.setDaemon(true);
      return t;
    });
    return new Scheduler() {
      @Override
      public void execute(Runnable task) {
        executor.execute(task);
      }

      @Override
      public Future<?> schedule(Runnable task, long delayMs) {
        return executor.schedule(task, delayMs, TimeUnit.MILLISECONDS);
      }

      @Override
      public boolean isShutdown() {
        return executor.isShutdown();
      }

      @Override
      public void shutdownNow() {
        executor.shutdownNow();
      }
    };
  }

  /**
   * With the clock (nanoseconds) that times token lifetimes and the re-login and lookup windows,
   * and the scheduler that runs the background work; tests pass fake ones.
   */
  VaultAuth(VaultHttp http, VaultTransitConfig config, LongSupplier clock, Scheduler scheduler) {
    this.http = http;
    this.config = config;
    this.clock = clock;
    this.method = config.getString(VaultTransitConfig.AUTH_METHOD);
    this.operationTimeoutMs = config.getInt(VaultTransitConfig.OPERATION_TIMEOUT_MS);
    this.reloginBackoffNanos =
        TimeUnit.MILLISECONDS.toNanos(config.getInt(VaultTransitConfig.RELOGIN_BACKOFF_MS));
    this.scheduler = scheduler;
    if (canLogIn()) {
      this.current = null; // log in on first use
    } else {
      this.current = new Token(config.password(VaultTransitConfig.TOKEN), 0, false, 0,
          clock.getAsLong());
      scheduler.execute(this::lookUpGivenToken);
    }
  }

  boolean canLogIn() {
    return !VaultTransitConfig.AUTH_TOKEN.equals(method);
  }

  String method() {
    return method;
  }

  /** A token to use now: the current one, or a fresh login when there is none or it expired. */
  String token(String kekId, long deadlineNanos) {
    Token t = current;
    if (t != null && !(canLogIn() && t.expired(clock.getAsLong()))) {
      return t.value;
    }
    return loginReplacing(t, kekId, deadlineNanos).value;
  }

  /**
   * Vault answered 403 to a request made with {@code refused}. Returns a new token when the old one
   * was no longer valid and a login replaced it, or {@code null} when the token is valid (so a
   * policy denies the request) or cannot be replaced.
   *
   * @throws KmsException when the token is invalid and cannot be replaced: a given token, a login
   *     that fails, or a refusal within relogin.backoff.ms of the last re-login after a refusal
   */
  String afterDenied(String refused, String kekId, long deadlineNanos) {
    synchronized (deniedLock) {
      Token t = current;
      if (t != null && !t.value.equals(refused)) {
        return t.value; // another thread already replaced it
      }
      long now = clock.getAsLong();
      if (!refused.equals(deadToken)) {
        if (refused.equals(aliveToken) && now - aliveCheckedNanos < reloginBackoffNanos) {
          return null; // looked up moments ago and alive: the policy says no
        }
        try {
          http.call("GET", "auth/token/lookup-self", null, refused, deadlineNanos);
          aliveToken = refused;
          aliveCheckedNanos = now;
          return null; // the token is fine: the policy says no
        } catch (VaultHttp.Failure f) {
          if (f.status != 403) {
            return null; // cannot tell; report the original denial
          }
        }
        deadToken = refused;
      }
      if (!canLogIn()) {
        throw new KmsException(Reason.ACCESS_DENIED, kekId, "the Vault token given in "
            + VaultTransitConfig.TOKEN + " has expired or was revoked (lookup-self refused)");
      }
      if (reloggedAfterDenial && now - lastDeniedLoginNanos < reloginBackoffNanos) {
        throw new KmsException(Reason.ACCESS_DENIED, kekId, "Vault refused the token of the "
            + method + " login made " + TimeUnit.NANOSECONDS.toMillis(now - lastDeniedLoginNanos)
            + " ms ago; not logging in again within "
            + VaultTransitConfig.RELOGIN_BACKOFF_MS + " ("
            + TimeUnit.NANOSECONDS.toMillis(reloginBackoffNanos) + " ms). Check the Vault role's "
            + "token settings (token_num_uses, TTL) and policies");
      }
      reloggedAfterDenial = true;
      lastDeniedLoginNanos = now;
      return loginReplacing(t, kekId, deadlineNanos).value;
    }
  }

  private Token loginReplacing(Token stale, String kekId, long deadlineNanos) {
    synchronized (lock) {
      Token t = current;
      if (t != null && t != stale && !t.expired(clock.getAsLong())) {
        return t; // another caller logged in meanwhile
      }
      long now = clock.getAsLong();
      if (lastLoginFailure != null && now - lastLoginFailureNanos < reloginBackoffNanos) {
        throw new KmsException(lastLoginFailure.reason(), kekId, "the last Vault " + method
            + " login, " + TimeUnit.NANOSECONDS.toMillis(now - lastLoginFailureNanos)
            + " ms ago, failed (" + lastLoginFailure.getMessage() + "); not trying again within "
            + VaultTransitConfig.RELOGIN_BACKOFF_MS + " ("
            + TimeUnit.NANOSECONDS.toMillis(reloginBackoffNanos) + " ms)");
      }
      if (stale != null) {
        LOG.info("Vault token expired or was revoked; logging in again with {}", method);
      }
      try {
        Token fresh = login(deadlineNanos);
        lastLoginFailure = null;
        install(fresh);
        return fresh;
      } catch (VaultHttp.Failure f) {
        // Vault answers 400 to a wrong secret id or role and 403 to a refused JWT or to a login
        // path where no auth method is mounted
        Reason reason = f.status == 400 || f.status == 403 ? Reason.ACCESS_DENIED : f.reason;
        String mountSetting = VaultTransitConfig.AUTH_APPROLE.equals(method)
            ? VaultTransitConfig.APPROLE_MOUNT : VaultTransitConfig.KUBERNETES_MOUNT;
        String hint = f.status == 403 || f.status == 404 ? " (check " + mountSetting + " and "
            + VaultTransitConfig.NAMESPACE + ": no " + method + " method may be mounted there)"
            : "";
        KmsException e = new KmsException(reason, kekId, "Vault " + method + " login at auth/"
            + loginMount() + "/login failed: " + f.getMessage() + hint, f);
        lastLoginFailure = e;
        lastLoginFailureNanos = now;
        throw e;
      }
    }
  }

  private String loginMount() {
    return config.mount(VaultTransitConfig.AUTH_APPROLE.equals(method)
        ? VaultTransitConfig.APPROLE_MOUNT : VaultTransitConfig.KUBERNETES_MOUNT);
  }

  private Token login(long deadlineNanos) throws VaultHttp.Failure {
    ObjectNode body = VaultHttp.JSON.createObjectNode();
    if (VaultTransitConfig.AUTH_APPROLE.equals(method)) {
      body.put("role_id", config.getString(VaultTransitConfig.APPROLE_ROLE_ID));
      body.put("secret_id", config.password(VaultTransitConfig.APPROLE_SECRET_ID));
    } else {
      String file = config.getString(VaultTransitConfig.KUBERNETES_JWT_PATH);
      String jwt;
      try {
        jwt = Files.readString(Path.of(file), StandardCharsets.UTF_8).trim();
      } catch (IOException e) {
        throw new VaultHttp.Failure(0, Reason.MISCONFIGURED, "cannot read the service account "
            + "token file " + file + " (" + e.getClass().getSimpleName() + ")", null, null);
      }
      body.put("role", config.getString(VaultTransitConfig.KUBERNETES_ROLE));
      body.put("jwt", jwt);
    }
    JsonNode auth = http.call("POST", "auth/" + loginMount() + "/login", body, null,
        deadlineNanos).path("auth");
    String token = auth.path("client_token").asText("");
    if (token.isEmpty()) {
      throw new VaultHttp.Failure(200, Reason.MISCONFIGURED, "login answer has no client_token",
          null, null);
    }
    long ttl = auth.path("lease_duration").asLong(0);
    LOG.info("Logged in to Vault with {} (token TTL {} s, renewable {})", method, ttl,
        auth.path("renewable").asBoolean(false));
    return new Token(token, ttl, auth.path("renewable").asBoolean(false), ttl, clock.getAsLong());
  }

  /** Makes {@code t} current and plans its renewal or replacement. Call with the lock held. */
  private void install(Token t) {
    current = t;
    if (pending != null) {
      pending.cancel(false);
      pending = null;
    }
    if (t.ttlSeconds > 0 && !scheduler.isShutdown()) {
      long delayMs = (long) (t.ttlSeconds * 1000 * RENEW_AT);
      pending = scheduler.schedule(() -> refresh(t), delayMs);
    }
  }

  /** Background: renew {@code t}, or log in again; on failure try again a little later. */
  private void refresh(Token t) {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(operationTimeoutMs);
    try {
      Token next = null;
      if (t.renewable) {
        JsonNode auth = http.call("POST", "auth/token/renew-self",
            VaultHttp.JSON.createObjectNode(), t.value, deadline).path("auth");
        long ttl = auth.path("lease_duration").asLong(0);
        boolean nearMax = canLogIn() && ttl < t.loginTtlSeconds * RELOGIN_BELOW;
        if (!nearMax && ttl > 0) {
          next = new Token(t.value, ttl, auth.path("renewable").asBoolean(false),
              t.loginTtlSeconds, clock.getAsLong());
          LOG.debug("Renewed the Vault token (TTL {} s)", ttl);
        }
      }
      if (next == null && canLogIn()) {
        next = login(deadline);
      }
      boolean relogged = next != null && !next.value.equals(t.value);
      Token unused;
      synchronized (lock) {
        if (current != t) {
          unused = relogged ? next : null; // replaced meanwhile (a login after a 403)
        } else if (next != null) {
          install(next);
          // the old token is still valid until its max TTL: do not leave it lying around
          unused = relogged ? t : null;
        } else {
          unused = null;
          LOG.warn("The Vault token of {} cannot be renewed and expires in {} s; supply a new "
              + "token before then", VaultTransitConfig.TOKEN, remainingSeconds(t));
        }
      }
      if (unused != null) {
        revoke(unused, deadline);
      }
    } catch (VaultHttp.Failure | RuntimeException e) {
      if (scheduler.isShutdown()) {
        return; // closed meanwhile
      }
      long remaining = remainingSeconds(t);
      LOG.warn("Could not renew the Vault token ({}); {} s left, trying again", e.getMessage(),
          remaining);
      synchronized (lock) {
        if (current == t && remaining > 0 && !scheduler.isShutdown()) {
          pending = scheduler.schedule(() -> refresh(t), Math.max(500, remaining * 1000 / 4));
        }
      }
    }
  }

  /** Best effort: revoke-self with {@code t}; a failure is only logged (without the token). */
  private void revoke(Token t, long deadlineNanos) {
    try {
      http.call("POST", "auth/token/revoke-self", VaultHttp.JSON.createObjectNode(), t.value,
          deadlineNanos);
      LOG.debug("Revoked the replaced Vault token");
    } catch (VaultHttp.Failure f) {
      LOG.info("Could not revoke the replaced Vault token ({}); it expires at its TTL",
          f.getMessage());
    }
  }

  /** Tests: run the background renewal (or re-login) of the current token now, on this thread. */
  void refreshNow() {
    Token t = current;
    if (t != null) {
      refresh(t);
    }
  }

  private long remainingSeconds(Token t) {
    return t.ttlSeconds - TimeUnit.NANOSECONDS.toSeconds(clock.getAsLong() - t.obtainedNanos);
  }

  /** Learns the given token's TTL and renewability, so renewal can be planned. */
  private void lookUpGivenToken() {
    Token t = current;
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(operationTimeoutMs);
    try {
      JsonNode data = http.call("GET", "auth/token/lookup-self", null, t.value, deadline)
          .path("data");
      long ttl = data.path("ttl").asLong(0);
      synchronized (lock) {
        if (current == t) {
          install(new Token(t.value, ttl, data.path("renewable").asBoolean(false), ttl,
              clock.getAsLong()));
        }
      }
    } catch (VaultHttp.Failure e) {
      if (!scheduler.isShutdown()) {
        LOG.warn("Vault token lookup-self failed ({}); the token will not be renewed",
            e.getMessage());
      }
    }
  }

  @Override
  public void close() {
    scheduler.shutdownNow();
  }
}
