package io.kafkaenvelope.kms.gcp;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;

/** Settings of {@code envelope.kms.type=gcp-kms}. */
public final class GcpKmsConfig extends AbstractConfig {

  static final String P = "envelope.kms.gcp.";
  public static final String CREDENTIALS_FILE = P + "credentials.file";
  public static final String ENDPOINT = P + "endpoint";
  public static final String TLS_CA_FILE = P + "tls.ca.file";
  public static final String ENDPOINT_PLAINTEXT = P + "endpoint.plaintext";
  public static final String RPC_TIMEOUT_MS = P + "rpc.timeout.ms";
  public static final String API_CALL_TIMEOUT_MS = P + "api.call.timeout.ms";
  public static final String MAX_ATTEMPTS = P + "max.attempts";
  public static final String RETRY_BACKOFF_MS = P + "retry.backoff.ms";
  public static final String RETRY_MAX_BACKOFF_MS = P + "retry.max.backoff.ms";
  public static final String DISCOVERY_PROJECTS = P + "discovery.projects";

  /** The Cloud KMS endpoint the client uses when {@link #ENDPOINT} is unset. */
  static final String DEFAULT_ENDPOINT = "cloudkms.googleapis.com:443";

  private static final Pattern HOST_PORT = Pattern.compile(
      "(\\[[0-9A-Fa-f:.]+]|[A-Za-z0-9.-]+):(\\d{1,5})");

  static final ConfigDef DEF = new ConfigDef()
      .define(CREDENTIALS_FILE, Type.STRING, null, new ConfigDef.NonEmptyString(),
          Importance.HIGH,
          "Path of a Google credentials JSON file: a service-account key (\"type\": "
              + "\"service_account\") or a workload identity federation configuration "
              + "(\"type\": \"external_account\", as `gcloud iam workload-identity-pools "
              + "create-cred-config` writes it). Other credential types are refused. When unset, "
              + "Application Default Credentials are used (GOOGLE_APPLICATION_CREDENTIALS, the "
              + "gcloud user's ADC file, or the metadata server on GCE, GKE workload identity, "
              + "Cloud Run). The file is read once, when the serializer starts; its content is "
              + "never logged. Only point this at files you control: an external-account file "
              + "names the URLs and commands used to get tokens.")
      .define(ENDPOINT, Type.STRING, null, new ConfigDef.NonEmptyString(), Importance.LOW,
          "Cloud KMS endpoint override as host:port, e.g. a Private Service Connect endpoint "
              + "(cloudkms-myendpoint.p.googleapis.com:443) or a local test server. Default: "
              + DEFAULT_ENDPOINT + ". TLS is used unless " + ENDPOINT_PLAINTEXT + " is set.")
      .define(TLS_CA_FILE, Type.STRING, null, new ConfigDef.NonEmptyString(), Importance.LOW,
          "PEM file of the CA certificates to trust for the endpoint's TLS certificate, instead "
              + "of the JVM's default trust store (a TLS-inspecting proxy, a test server).")
      .define(ENDPOINT_PLAINTEXT, Type.BOOLEAN, false, Importance.LOW,
          "Talk to " + ENDPOINT + " without TLS and without credentials (gRPC never sends "
              + "Google credentials over an unencrypted channel): for a local emulator only. "
              + "Refused unless the endpoint is a loopback address (localhost, 127.0.0.0/8, "
              + "[::1]), and together with " + CREDENTIALS_FILE + " or " + TLS_CA_FILE + ".")
      .define(RPC_TIMEOUT_MS, Type.INT, 5_000, Range.between(1, 120_000), Importance.LOW,
          "Deadline of one attempt (one gRPC call).")
      .define(API_CALL_TIMEOUT_MS, Type.INT, 10_000, Range.between(1, 600_000), Importance.LOW,
          "Upper bound of one KMS operation including all its attempts and backoff.")
      .define(MAX_ATTEMPTS, Type.INT, 4, Range.between(1, 20), Importance.LOW,
          "Attempts per Encrypt or Decrypt. RESOURCE_EXHAUSTED (quota, throttling), "
              + "UNAVAILABLE, DEADLINE_EXCEEDED and INTERNAL are retried after an exponential "
              + "backoff with jitter; PERMISSION_DENIED, UNAUTHENTICATED, NOT_FOUND, "
              + "INVALID_ARGUMENT and FAILED_PRECONDITION (a disabled or destroyed key version) "
              + "are not.")
      .define(RETRY_BACKOFF_MS, Type.INT, 100, Range.between(1, 60_000), Importance.LOW,
          "Delay before the first retry; doubled for each further retry (with jitter: a random "
              + "delay up to that value), up to " + RETRY_MAX_BACKOFF_MS + ".")
      .define(RETRY_MAX_BACKOFF_MS, Type.INT, 10_000, Range.between(1, 600_000), Importance.LOW,
          "Upper bound of the delay between two attempts.")
      .define(DISCOVERY_PROJECTS, Type.LIST, List.of(), Importance.MEDIUM,
          "Discovery filter: with envelope.kek.discovery=true, only CryptoKeys of these "
              + "projects (the project segment of the key's resource name, compared exactly: a "
              + "project id and its project number are different strings) are tried; any "
              + "other KEK is refused before any KMS call. Empty: no filter (any well-formed "
              + "CryptoKey name that IAM lets these credentials decrypt with).");

  GcpKmsConfig(Map<String, ?> configs) {
    super(DEF, configs, false);
    String endpoint = getString(ENDPOINT);
    if (endpoint != null && !HOST_PORT.matcher(endpoint).matches()) {
      throw new ConfigException(ENDPOINT, endpoint, "expected host:port, e.g. "
          + DEFAULT_ENDPOINT);
    }
    if (plaintext()) {
      if (endpoint == null) {
        throw new ConfigException(ENDPOINT_PLAINTEXT + " needs " + ENDPOINT
            + " (a loopback emulator address)");
      }
      if (!isLoopback(host(endpoint))) {
        throw new ConfigException(ENDPOINT_PLAINTEXT, true, "only a loopback " + ENDPOINT
            + " may be used without TLS, not " + endpoint);
      }
      if (getString(CREDENTIALS_FILE) != null || getString(TLS_CA_FILE) != null) {
        throw new ConfigException(ENDPOINT_PLAINTEXT + " sends no credentials and uses no TLS: "
            + "remove " + CREDENTIALS_FILE + " and " + TLS_CA_FILE + ", or the plaintext setting");
      }
    }
    for (String project : getList(DISCOVERY_PROJECTS)) {
      if (!GcpKekName.PROJECT.matcher(project).matches()) {
        throw new ConfigException(DISCOVERY_PROJECTS, project,
            "expected project ids or numbers as they appear in key resource names");
      }
    }
  }

  boolean plaintext() {
    return getBoolean(ENDPOINT_PLAINTEXT);
  }

  /** The host of a host:port endpoint, without IPv6 brackets. */
  static String host(String endpoint) {
    String host = endpoint.substring(0, endpoint.lastIndexOf(':'));
    return host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
  }

  static int port(String endpoint) {
    return Integer.parseInt(endpoint.substring(endpoint.lastIndexOf(':') + 1));
  }

  /** Loopback by name or literal address; never resolved through DNS. */
  static boolean isLoopback(String host) {
    if (host.equalsIgnoreCase("localhost")) {
      return true;
    }
    if (!host.matches("[0-9.]+|[0-9A-Fa-f.]*:[0-9A-Fa-f:.]*")) {
      return false; // a name other than localhost: DNS could answer anything
    }
    try {
      return InetAddress.getByName(host).isLoopbackAddress(); // a literal: no lookup
    } catch (UnknownHostException e) {
      return false;
    }
  }
}
