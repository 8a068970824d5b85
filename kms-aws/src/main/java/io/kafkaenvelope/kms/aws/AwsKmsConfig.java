package io.kafkaenvelope.kms.aws;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.types.Password;

/** Settings of {@code envelope.kms.type=aws-kms}. */
public final class AwsKmsConfig extends AbstractConfig {

  static final String P = "envelope.kms.aws.";
  public static final String REGION = P + "region";
  public static final String ENDPOINT = P + "endpoint";
  public static final String PROFILE = P + "profile";
  public static final String ACCESS_KEY_ID = P + "access.key.id";
  public static final String SECRET_ACCESS_KEY = P + "secret.access.key";
  public static final String SESSION_TOKEN = P + "session.token";
  public static final String ASSUME_ROLE_ARN = P + "assume.role.arn";
  public static final String ASSUME_ROLE_EXTERNAL_ID = P + "assume.role.external.id";
  public static final String ASSUME_ROLE_SESSION_NAME = P + "assume.role.session.name";
  public static final String STS_ENDPOINT = P + "sts.endpoint";
  public static final String CONNECT_TIMEOUT_MS = P + "connect.timeout.ms";
  public static final String SOCKET_TIMEOUT_MS = P + "socket.timeout.ms";
  public static final String API_CALL_TIMEOUT_MS = P + "api.call.timeout.ms";
  public static final String MAX_ATTEMPTS = P + "max.attempts";
  public static final String RETRY_BACKOFF_MS = P + "retry.backoff.ms";
  public static final String RETRY_THROTTLING_BACKOFF_MS = P + "retry.throttling.backoff.ms";
  public static final String DECRYPT_ALTERNATE_KEK_IDS = P + "decrypt.alternate.kek.ids";
  public static final String ACCOUNT_ID = P + "account.id";
  public static final String DISCOVERY_ACCOUNT_IDS = P + "discovery.account.ids";
  public static final String DISCOVERY_PARTITION = P + "discovery.partition";

  private static final Pattern ACCOUNT = Pattern.compile("\\d{12}");
  private static final Pattern PARTITION = Pattern.compile("aws(-[a-z]+)*");

  private static final ConfigDef.Validator HTTP_URL = new HttpUrl();

  static final ConfigDef DEF = new ConfigDef()
      .define(REGION, Type.STRING, null, new ConfigDef.NonEmptyString(), Importance.HIGH,
          "AWS region of the KMS keys, e.g. eu-west-1. When unset, the SDK's default region "
              + "chain applies (AWS_REGION, the profile, instance metadata). One client talks to "
              + "one region: a KEK given as an ARN of another region cannot be used (see "
              + DECRYPT_ALTERNATE_KEK_IDS + " for multi-Region replicas).")
      .define(ENDPOINT, Type.STRING, null, HTTP_URL, Importance.LOW,
          "KMS endpoint override, e.g. a VPC endpoint or LocalStack (http://localhost:4566).")
      .define(PROFILE, Type.STRING, null, Importance.MEDIUM,
          "Named profile from the shared AWS config/credentials files. When neither this nor "
              + "static keys are set, the SDK's default chain is used (environment, system "
              + "properties, web identity / IRSA, profile, container, instance profile).")
      .define(ACCESS_KEY_ID, Type.PASSWORD, null, Importance.MEDIUM,
          "Static access key id. Prefer the default chain or a role; static keys are for "
              + "environments without one.")
      .define(SECRET_ACCESS_KEY, Type.PASSWORD, null, Importance.MEDIUM,
          "Static secret access key (with " + ACCESS_KEY_ID + ").")
      .define(SESSION_TOKEN, Type.PASSWORD, null, Importance.LOW,
          "Session token, for temporary static credentials.")
      .define(ASSUME_ROLE_ARN, Type.STRING, null, Importance.MEDIUM,
          "Assume this IAM role through STS AssumeRole, signed with the credentials above (static "
              + "keys, profile or default chain), and use the role's temporary credentials, "
              + "refreshed before they expire.")
      .define(ASSUME_ROLE_EXTERNAL_ID, Type.PASSWORD, null, Importance.LOW,
          "External id required by the role's trust policy.")
      .define(ASSUME_ROLE_SESSION_NAME, Type.STRING, "kafka-envelope",
          new ConfigDef.NonEmptyString(), Importance.LOW,
          "Role session name, visible in CloudTrail.")
      .define(STS_ENDPOINT, Type.STRING, null, HTTP_URL, Importance.LOW,
          "STS endpoint override for " + ASSUME_ROLE_ARN + " (VPC endpoint, LocalStack).")
      .define(CONNECT_TIMEOUT_MS, Type.INT, 2_000, Range.between(1, 60_000), Importance.LOW,
          "TCP connect timeout of the HTTP client.")
      .define(SOCKET_TIMEOUT_MS, Type.INT, 5_000, Range.between(1, 120_000), Importance.LOW,
          "Read timeout of the HTTP client (one attempt).")
      .define(API_CALL_TIMEOUT_MS, Type.INT, 10_000, Range.between(1, 600_000), Importance.LOW,
          "Upper bound of one KMS operation including all its retries and backoff.")
      .define(MAX_ATTEMPTS, Type.INT, 4, Range.between(1, 20), Importance.LOW,
          "Attempts per operation with the SDK's standard retry strategy: throttling, 5xx and "
              + "network errors are retried after an exponential backoff with full jitter; "
              + "access denied, unknown or disabled keys and invalid ciphertext are not.")
      .define(RETRY_BACKOFF_MS, Type.INT, 100, Range.between(1, 60_000), Importance.LOW,
          "Base delay of the exponential backoff after a 5xx or network error (capped at 20 s).")
      .define(RETRY_THROTTLING_BACKOFF_MS, Type.INT, 1_000, Range.between(1, 60_000),
          Importance.LOW,
          "Base delay of the exponential backoff after a ThrottlingException (capped at 20 s).")
      .define(DECRYPT_ALTERNATE_KEK_IDS, Type.LIST, List.of(), Importance.LOW,
          "Comma-separated 'X=Y' entries: a DEK whose envelope names KEK X may also be "
              + "unwrapped with KEK Y. X is tried first (skipped when it is an ARN of another "
              + "region); Y, and further entries for X in the order given, only when KMS says "
              + "the blob is not X's (IncorrectKeyException) or X does not exist there "
              + "(NotFoundException). Uses: the multi-Region replica in the consumer's region "
              + "(X = primary ARN, Y = replica ARN), or an alias that was moved to a new key "
              + "(X = alias, Y = the old key's ARN). Only listed keys are ever used, and the "
              + "encryption context still names X. Alternates do not widen the consumer KEK "
              + "policy: a record is accepted or refused by the KEK its envelope names.")
      .define(ACCOUNT_ID, Type.STRING, null, Importance.LOW,
          "The 12-digit id of the AWS account this client's credentials belong to, i.e. the "
              + "account in which a bare key id or alias name resolves. Only used to decide, from "
              + "the strings alone, whether a bare id and an ARN name the same key (consumer KEK "
              + "policy: envelope.kek.id 'alias/orders' accepts records naming "
              + "'arn:aws:kms:<region>:<this account>:alias/orders') and whether a bare id passes "
              + DISCOVERY_ACCOUNT_IDS + ". When unset it is taken from " + ASSUME_ROLE_ARN
              + "; when neither is set, a bare id never matches an ARN.")
      .define(DISCOVERY_ACCOUNT_IDS, Type.LIST, List.of(), Importance.MEDIUM,
          "Discovery filter (as in the AWS Encryption SDK): with envelope.kek.discovery=true, "
              + "only KEKs of these 12-digit AWS accounts in " + DISCOVERY_PARTITION
              + " are tried; any other KEK is refused before any KMS call. A key or alias ARN "
              + "must name one of these accounts; a bare key id or alias name resolves in this "
              + "client's own account and passes only when " + ACCOUNT_ID + " (or the account of "
              + ASSUME_ROLE_ARN + ") is listed. Empty: no filter (any KEK KMS will unwrap for "
              + "these credentials).")
      .define(DISCOVERY_PARTITION, Type.STRING, "aws", Importance.LOW,
          "AWS partition of the discovery filter (aws, aws-cn, aws-us-gov, ...); needs "
              + DISCOVERY_ACCOUNT_IDS + " and must be the partition of "
              + REGION + ".");

  private final Map<String, List<String>> alternates;
  private final String ownAccount;

  AwsKmsConfig(Map<String, ?> configs) {
    super(DEF, configs, false);
    if ((getPassword(ACCESS_KEY_ID) == null) != (getPassword(SECRET_ACCESS_KEY) == null)) {
      throw new ConfigException("Set both " + ACCESS_KEY_ID + " and " + SECRET_ACCESS_KEY
          + ", or neither");
    }
    if (getPassword(SESSION_TOKEN) != null && getPassword(ACCESS_KEY_ID) == null) {
      throw new ConfigException(SESSION_TOKEN + " needs " + ACCESS_KEY_ID + " and "
          + SECRET_ACCESS_KEY);
    }
    if (getPassword(ACCESS_KEY_ID) != null && getString(PROFILE) != null) {
      throw new ConfigException("Set static keys or " + PROFILE + ", not both");
    }
    if (getString(ASSUME_ROLE_ARN) == null && (getPassword(ASSUME_ROLE_EXTERNAL_ID) != null
        || getString(STS_ENDPOINT) != null)) {
      throw new ConfigException(ASSUME_ROLE_EXTERNAL_ID + " and " + STS_ENDPOINT + " need "
          + ASSUME_ROLE_ARN);
    }
    this.alternates = parseAlternates(getList(DECRYPT_ALTERNATE_KEK_IDS));
    String account = getString(ACCOUNT_ID);
    if (account != null && !ACCOUNT.matcher(account).matches()) {
      throw new ConfigException(ACCOUNT_ID, account, "expected a 12-digit AWS account id");
    }
    String roleAccount = roleAccount(getString(ASSUME_ROLE_ARN));
    if (account != null && roleAccount != null && !account.equals(roleAccount)) {
      throw new ConfigException(ACCOUNT_ID + "=" + account + " is not the account of "
          + ASSUME_ROLE_ARN + " (" + roleAccount + "): the role's credentials resolve bare key "
          + "ids in the role's account; fix or remove " + ACCOUNT_ID);
    }
    this.ownAccount = account != null ? account : roleAccount;
    for (String a : getList(DISCOVERY_ACCOUNT_IDS)) {
      if (!ACCOUNT.matcher(a).matches()) {
        throw new ConfigException(DISCOVERY_ACCOUNT_IDS, a, "expected 12-digit AWS account ids");
      }
    }
    String partition = getString(DISCOVERY_PARTITION);
    if (partition == null || !PARTITION.matcher(partition).matches()) {
      throw new ConfigException(DISCOVERY_PARTITION, partition,
          "expected an AWS partition such as aws, aws-cn or aws-us-gov");
    }
    if (originals().containsKey(DISCOVERY_PARTITION) && getList(DISCOVERY_ACCOUNT_IDS).isEmpty()) {
      throw new ConfigException(DISCOVERY_PARTITION + " needs " + DISCOVERY_ACCOUNT_IDS
          + ": a discovery filter names the accounts whose KEKs may be tried");
    }
  }

  /** The account of the client's credentials when known (setting or role ARN), else null. */
  String ownAccount() {
    return ownAccount;
  }

  /** The account of an IAM role ARN ({@code arn:<partition>:iam::<account>:role/...}), or null. */
  private static String roleAccount(String roleArn) {
    if (roleArn == null) {
      return null;
    }
    String[] parts = roleArn.split(":", 6);
    return parts.length == 6 && parts[0].equals("arn") && parts[2].equals("iam")
        && ACCOUNT.matcher(parts[4]).matches() ? parts[4] : null;
  }

  /** For each KEK id, the other KEKs that may unwrap its DEKs, in the order given. */
  Map<String, List<String>> alternates() {
    return alternates;
  }

  private static Map<String, List<String>> parseAlternates(List<String> entries) {
    Map<String, List<String>> m = new LinkedHashMap<>();
    for (String entry : entries) {
      int eq = entry.indexOf('=');
      String from = eq < 0 ? "" : entry.substring(0, eq).trim();
      String to = eq < 0 ? "" : entry.substring(eq + 1).trim();
      if (from.isEmpty() || to.isEmpty() || to.indexOf('=') >= 0 || from.equals(to)) {
        throw new ConfigException(DECRYPT_ALTERNATE_KEK_IDS, entry,
            "expected 'X=Y' with two different KEK ids");
      }
      List<String> list = m.computeIfAbsent(from, k -> new ArrayList<>());
      if (!list.contains(to)) {
        list.add(to);
      }
    }
    m.replaceAll((k, v) -> Collections.unmodifiableList(v));
    return Collections.unmodifiableMap(m);
  }

  /** An http(s) URL with a host, or unset. */
  private static final class HttpUrl implements ConfigDef.Validator {
    @Override
    public void ensureValid(String name, Object value) {
      if (value == null) {
        return;
      }
      try {
        URI uri = new URI((String) value);
        if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))
            || uri.getHost() == null) {
          throw new ConfigException(name, value, "expected an http(s) URL with a host");
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

  String password(String name) {
    Password p = getPassword(name);
    return p == null ? null : p.value();
  }
}
