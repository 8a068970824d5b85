package io.kafkaenvelope.kms.vault;

import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.ValidString;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.types.Password;

/** Settings of {@code envelope.kms.type=vault-transit}. */
public final class VaultTransitConfig extends AbstractConfig {

  static final String P = "envelope.kms.vault.";
  public static final String ADDRESS = P + "address";
  public static final String NAMESPACE = P + "namespace";
  public static final String TRANSIT_MOUNT = P + "transit.mount";
  public static final String TRANSIT_DERIVED = P + "transit.derived";
  public static final String AUTH_METHOD = P + "auth.method";
  public static final String TOKEN = P + "token";
  public static final String APPROLE_MOUNT = P + "approle.mount";
  public static final String APPROLE_ROLE_ID = P + "approle.role.id";
  public static final String APPROLE_SECRET_ID = P + "approle.secret.id";
  public static final String KUBERNETES_MOUNT = P + "kubernetes.mount";
  public static final String KUBERNETES_ROLE = P + "kubernetes.role";
  public static final String KUBERNETES_JWT_PATH = P + "kubernetes.jwt.path";
  public static final String TLS_CA_FILE = P + "tls.ca.file";
  public static final String TLS_CLIENT_CERT_FILE = P + "tls.client.cert.file";
  public static final String TLS_CLIENT_KEY_FILE = P + "tls.client.key.file";
  public static final String CONNECT_TIMEOUT_MS = P + "connect.timeout.ms";
  public static final String REQUEST_TIMEOUT_MS = P + "request.timeout.ms";
  public static final String OPERATION_TIMEOUT_MS = P + "operation.timeout.ms";
  public static final String MAX_ATTEMPTS = P + "max.attempts";
  public static final String RETRY_BACKOFF_MS = P + "retry.backoff.ms";
  public static final String RETRY_BACKOFF_MAX_MS = P + "retry.backoff.max.ms";
  public static final String ALLOW_INSECURE_HTTP = P + "allow.insecure.http";
  public static final String RELOGIN_BACKOFF_MS = P + "relogin.backoff.ms";

  static final String AUTH_TOKEN = "token";
  static final String AUTH_APPROLE = "approle";
  static final String AUTH_KUBERNETES = "kubernetes";

  /** Mount paths: segments of letters, digits, '-', '_' and '.', no "..", no leading slash. */
  private static final Pattern IPV4 = Pattern.compile("[0-9]{1,3}(\\.[0-9]{1,3}){3}");
  private static final Pattern IPV6 = Pattern.compile("[0-9a-f:.]+");
  private static final Pattern MOUNT = Pattern.compile("[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*");

  static final ConfigDef DEF = new ConfigDef()
      .define(ADDRESS, Type.STRING, ConfigDef.NO_DEFAULT_VALUE, new HttpUrl(), Importance.HIGH,
          "Vault address, e.g. https://vault.example.com:8200 (the API is under /v1 of it).")
      .define(AUTH_METHOD, Type.STRING, AUTH_TOKEN,
          ValidString.in(AUTH_TOKEN, AUTH_APPROLE, AUTH_KUBERNETES), Importance.HIGH,
          "How the client gets its Vault token: 'token' (a token given in " + "envelope.kms.vault."
              + "token), 'approle' (role id + secret id) or 'kubernetes' (the pod's service "
              + "account JWT). Tokens are renewed (renew-self) in the background before they "
              + "expire; AppRole and Kubernetes log in again when a token cannot be renewed any "
              + "further or was revoked.")
      .define(TOKEN, Type.PASSWORD, null, Importance.HIGH,
          "Vault token for auth.method=token.")
      .define(TRANSIT_MOUNT, Type.STRING, "transit", Importance.MEDIUM,
          "Mount path of the Transit secrets engine (without /v1/ and slashes at either end).")
      .define(NAMESPACE, Type.STRING, null, Importance.MEDIUM,
          "Vault Enterprise namespace (sent as X-Vault-Namespace on every request, logins "
              + "included), e.g. team-a or team-a/kafka.")
      .define(APPROLE_ROLE_ID, Type.STRING, null, Importance.MEDIUM,
          "AppRole role id (auth.method=approle).")
      .define(APPROLE_SECRET_ID, Type.PASSWORD, null, Importance.MEDIUM,
          "AppRole secret id (auth.method=approle).")
      .define(KUBERNETES_ROLE, Type.STRING, null, Importance.MEDIUM,
          "Vault role of the Kubernetes auth method (auth.method=kubernetes).")
      .define(TLS_CA_FILE, Type.STRING, null, Importance.MEDIUM,
          "PEM file with the CA certificate(s) that sign Vault's server certificate. When unset, "
              + "the JVM's default trust store is used; server certificates are always verified "
              + "(there is no trust-all option).")
      .define(TRANSIT_DERIVED, Type.BOOLEAN, false, Importance.LOW,
          "Set when the Transit key was created with derived=true: every datakey and decrypt "
              + "call then sends a context (Base64 of the envelope's encryption context: purpose "
              + "and KEK name, in a canonical byte encoding), so each KEK derives its own key.")
      .define(APPROLE_MOUNT, Type.STRING, "approle", Importance.LOW,
          "Mount path of the AppRole auth method.")
      .define(KUBERNETES_MOUNT, Type.STRING, "kubernetes", Importance.LOW,
          "Mount path of the Kubernetes auth method.")
      .define(KUBERNETES_JWT_PATH, Type.STRING,
          "/var/run/secrets/kubernetes.io/serviceaccount/token", new ConfigDef.NonEmptyString(),
          Importance.LOW,
          "File holding the service account JWT; read again at every login, so projected tokens "
              + "that the kubelet rotates keep working.")
      .define(TLS_CLIENT_CERT_FILE, Type.STRING, null, Importance.LOW,
          "PEM file with the client certificate (and its chain) for mutual TLS or the cert "
              + "auth method; needs " + P + "tls.client.key.file.")
      .define(TLS_CLIENT_KEY_FILE, Type.STRING, null, Importance.LOW,
          "PEM file with the client certificate's unencrypted PKCS#8 private key (BEGIN "
              + "PRIVATE KEY; convert others with 'openssl pkcs8 -topk8 -nocrypt').")
      .define(CONNECT_TIMEOUT_MS, Type.INT, 2_000, Range.between(1, 60_000), Importance.LOW,
          "TCP and TLS connect timeout.")
      .define(REQUEST_TIMEOUT_MS, Type.INT, 5_000, Range.between(1, 120_000), Importance.LOW,
          "Upper bound of one HTTP exchange (one attempt), response body included.")
      .define(OPERATION_TIMEOUT_MS, Type.INT, 15_000, Range.between(1, 600_000), Importance.LOW,
          "Upper bound of one KMS operation including all its attempts, backoff and a re-login.")
      .define(MAX_ATTEMPTS, Type.INT, 4, Range.between(1, 20), Importance.LOW,
          "Attempts per Vault request: 5xx (except a sealed Vault), 429, connection errors and "
              + "timeouts are retried after an exponential backoff with full jitter; 400, 403, "
              + "404 and a sealed Vault are not.")
      .define(RETRY_BACKOFF_MS, Type.INT, 100, Range.between(1, 60_000), Importance.LOW,
          "Base delay of the backoff: attempt n waits a random time in [0, min(max, base * "
              + "2^(n-1))).")
      .define(RETRY_BACKOFF_MAX_MS, Type.INT, 10_000, Range.between(1, 600_000), Importance.LOW,
          "Cap of the backoff delay.")
      .define(RELOGIN_BACKOFF_MS, Type.INT, 10_000, Range.between(1, 3_600_000), Importance.LOW,
          "AppRole and Kubernetes: after Vault refuses a token (403) and lookup-self confirms it "
              + "is dead, the client logs in again at most once per this many milliseconds, "
              + "however many records or threads meet the refusal; within the window the calls "
              + "fail with ACCESS_DENIED instead of logging in again. A failed login is likewise "
              + "not repeated within the window, and a token lookup-self found alive is not "
              + "looked up again within it (the 403 is then a policy denial).")
      .define(ALLOW_INSECURE_HTTP, Type.BOOLEAN, false, Importance.LOW,
          "Allow an http:// address that is not a loopback address (127.0.0.0/8, ::1, "
              + "localhost). Plain HTTP sends the Vault token, login secrets and every plaintext "
              + "data key in clear, so by default such an address is refused at configure time; "
              + "loopback addresses (a local Vault agent, tests) are always allowed.");

  private final URI address;

  VaultTransitConfig(Map<String, ?> configs) {
    super(DEF, configs, false);
    this.address = URI.create(stripSlash(getString(ADDRESS)));
    for (String m : new String[] {TRANSIT_MOUNT, APPROLE_MOUNT, KUBERNETES_MOUNT}) {
      String v = mount(m);
      if (!MOUNT.matcher(v).matches() || v.contains("..")) {
        throw new ConfigException(m, getString(m), "expected a mount path like 'transit' or "
            + "'team-a/transit'");
      }
    }
    String ns = getString(NAMESPACE);
    if (ns != null && (ns.isBlank() || !MOUNT.matcher(stripSlashes(ns)).matches())) {
      throw new ConfigException(NAMESPACE, ns, "expected a namespace path like 'team-a/kafka'");
    }
    String method = getString(AUTH_METHOD);
    switch (method) {
      case AUTH_TOKEN:
        if (getPassword(TOKEN) == null || getPassword(TOKEN).value().isBlank()) {
          throw new ConfigException(TOKEN + " is required with " + AUTH_METHOD + "=token");
        }
        break;
      case AUTH_APPROLE:
        if (getString(APPROLE_ROLE_ID) == null || getPassword(APPROLE_SECRET_ID) == null) {
          throw new ConfigException(APPROLE_ROLE_ID + " and " + APPROLE_SECRET_ID
              + " are required with " + AUTH_METHOD + "=approle");
        }
        break;
      default:
        if (getString(KUBERNETES_ROLE) == null) {
          throw new ConfigException(KUBERNETES_ROLE + " is required with " + AUTH_METHOD
              + "=kubernetes");
        }
    }
    if (!AUTH_TOKEN.equals(method) && getPassword(TOKEN) != null) {
      throw new ConfigException(TOKEN + " is only used with " + AUTH_METHOD + "=token, not "
          + method);
    }
    if ((getString(TLS_CLIENT_CERT_FILE) == null) != (getString(TLS_CLIENT_KEY_FILE) == null)) {
      throw new ConfigException("Set both " + TLS_CLIENT_CERT_FILE + " and "
          + TLS_CLIENT_KEY_FILE + ", or neither");
    }
    if ("http".equalsIgnoreCase(address.getScheme()) && !isLoopback(address.getHost())
        && !getBoolean(ALLOW_INSECURE_HTTP)) {
      // fail closed: the token, secret ids, JWTs and plaintext DEKs would cross the network in
      // clear
      throw new ConfigException(ADDRESS, address.toString(), "plain http:// to a host that is not "
          + "a loopback address would send the Vault token and data keys in clear; use https://, "
          + "or set " + ALLOW_INSECURE_HTTP + "=true if the network path is protected otherwise");
    }
    boolean tlsFiles = getString(TLS_CA_FILE) != null || getString(TLS_CLIENT_CERT_FILE) != null;
    if (tlsFiles && !"https".equals(address.getScheme())) {
      // fail closed: TLS settings with an http address would silently send the token in clear
      throw new ConfigException(ADDRESS, address.toString(), "TLS files are set but the address "
          + "is not https");
    }
  }

  /**
   * Loopback by its literal form only, never by a DNS lookup: {@code localhost}, an IPv4 literal in
   * 127.0.0.0/8, or the IPv6 literal {@code ::1} (in any spelling).
   */
  static boolean isLoopback(String host) {
    if (host == null) {
      return false;
    }
    String h = host.toLowerCase(Locale.ROOT);
    if (h.equals("localhost")) {
      return true;
    }
    if (IPV4.matcher(h).matches()) {
      for (String part : h.split("\\.")) {
        if (Integer.parseInt(part) > 255) {
          return false;
        }
      }
      return h.startsWith("127.");
    }
    if (h.startsWith("[") && h.endsWith("]") && h.length() > 2) {
      String literal = h.substring(1, h.length() - 1);
      if (!IPV6.matcher(literal).matches() || literal.indexOf(':') < 0) {
        return false; // a zone id or anything else: not the loopback literal
      }
      try {
        return InetAddress.getByName(literal).isLoopbackAddress(); // a literal: no DNS lookup
      } catch (UnknownHostException e) {
        return false;
      }
    }
    return false;
  }

  URI address() {
    return address;
  }

  /** A mount setting without slashes at either end. */
  String mount(String name) {
    return stripSlashes(getString(name));
  }

  String namespace() {
    String ns = getString(NAMESPACE);
    return ns == null ? null : stripSlashes(ns);
  }

  String password(String name) {
    Password p = getPassword(name);
    return p == null ? null : p.value();
  }

  private static String stripSlash(String s) {
    return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
  }

  private static String stripSlashes(String s) {
    String t = s.trim();
    while (t.startsWith("/")) {
      t = t.substring(1);
    }
    while (t.endsWith("/")) {
      t = t.substring(0, t.length() - 1);
    }
    return t;
  }

  /** An http(s) URL with a host and no path beyond "/". */
  private static final class HttpUrl implements ConfigDef.Validator {
    @Override
    public void ensureValid(String name, Object value) {
      if (value == null) {
        throw new ConfigException(name, null, "required");
      }
      try {
        URI uri = new URI((String) value);
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
          throw new ConfigException(name, value, "expected an http(s) URL with a host");
        }
        if (uri.getRawPath() != null && uri.getRawPath().length() > 1) {
          throw new ConfigException(name, value, "give the address without a path (no /v1)");
        }
      } catch (URISyntaxException e) {
        throw new ConfigException(name, value, "not a URL: " + e.getReason());
      }
    }

    @Override
    public String toString() {
      return "http(s) URL";
    }
  }
}
