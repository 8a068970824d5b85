package io.kafkaenvelope.kms.aws;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
  public static final String DECRYPT_KEK_MAP = P + "decrypt.kek.map";

  static final ConfigDef DEF = new ConfigDef()
      .define(REGION, Type.STRING, null, Importance.HIGH,
          "AWS region of the KMS keys, e.g. eu-west-1. When unset, the SDK's default region "
              + "chain (AWS_REGION, profile, instance metadata) applies; a key ARN's region wins "
              + "for that key's calls only if you point the endpoint at it.")
      .define(ENDPOINT, Type.STRING, null, Importance.LOW,
          "Endpoint override, e.g. a VPC endpoint or LocalStack (http://localhost:4566).")
      .define(PROFILE, Type.STRING, null, Importance.MEDIUM,
          "Named profile from the shared AWS config/credentials files. When no credentials "
              + "setting is given, the SDK's default chain is used (environment, profile, web "
              + "identity / IRSA, container, instance profile).")
      .define(ACCESS_KEY_ID, Type.PASSWORD, null, Importance.MEDIUM,
          "Static access key id. Prefer the default chain or a role; static keys are for "
              + "environments without one.")
      .define(SECRET_ACCESS_KEY, Type.PASSWORD, null, Importance.MEDIUM,
          "Static secret access key (with " + ACCESS_KEY_ID + ").")
      .define(SESSION_TOKEN, Type.PASSWORD, null, Importance.LOW,
          "Session token for temporary static credentials.")
      .define(ASSUME_ROLE_ARN, Type.STRING, null, Importance.MEDIUM,
          "Assume this IAM role through STS (with the credentials above or the default chain) "
              + "and use its temporary credentials, refreshed before they expire.")
      .define(ASSUME_ROLE_EXTERNAL_ID, Type.PASSWORD, null, Importance.LOW,
          "External id for the role's trust policy.")
      .define(ASSUME_ROLE_SESSION_NAME, Type.STRING, "kafka-envelope", Importance.LOW,
          "Role session name, visible in CloudTrail.")
      .define(STS_ENDPOINT, Type.STRING, null, Importance.LOW,
          "STS endpoint override (VPC endpoint, LocalStack).")
      .define(CONNECT_TIMEOUT_MS, Type.INT, 2_000, Range.between(1, 60_000), Importance.LOW,
          "TCP connect timeout of the HTTP client.")
      .define(SOCKET_TIMEOUT_MS, Type.INT, 5_000, Range.between(1, 120_000), Importance.LOW,
          "Read timeout of the HTTP client.")
      .define(API_CALL_TIMEOUT_MS, Type.INT, 10_000, Range.between(1, 600_000), Importance.LOW,
          "Upper bound of one KMS operation including all retries.")
      .define(MAX_ATTEMPTS, Type.INT, 4, Range.between(1, 20), Importance.LOW,
          "Attempts per operation (standard retry mode: exponential backoff with jitter; "
              + "throttling, 5xx and network errors are retried; access denied, not found and "
              + "disabled keys are not).")
      .define(DECRYPT_KEK_MAP, Type.LIST, List.of(), Importance.LOW,
          "Comma-separated 'original=replacement' pairs: a DEK whose envelope names KEK "
              + "'original' is unwrapped with KEK 'replacement' (e.g. the multi-Region replica "
              + "in the consumer's region, or the new key after a migration). The encryption "
              + "context still names the original, so KMS verifies the DEK's provenance.");

  AwsKmsConfig(Map<String, ?> configs) {
    super(DEF, configs, false);
    if ((getPassword(ACCESS_KEY_ID) == null) != (getPassword(SECRET_ACCESS_KEY) == null)) {
      throw new ConfigException("Set both " + ACCESS_KEY_ID + " and " + SECRET_ACCESS_KEY
          + ", or neither");
    }
    if (getPassword(ACCESS_KEY_ID) != null && getString(PROFILE) != null) {
      throw new ConfigException("Set static keys or " + PROFILE + ", not both");
    }
    decryptKekMap();
  }

  /** The replacements of {@link #DECRYPT_KEK_MAP}. */
  Map<String, String> decryptKekMap() {
    Map<String, String> m = new HashMap<>();
    for (String pair : getList(DECRYPT_KEK_MAP)) {
      int eq = pair.indexOf('=');
      if (eq <= 0 || eq == pair.length() - 1) {
        throw new ConfigException(DECRYPT_KEK_MAP, pair, "expected original=replacement");
      }
      m.put(pair.substring(0, eq).trim(), pair.substring(eq + 1).trim());
    }
    return m;
  }

  static String value(Password p) {
    return p == null ? null : p.value();
  }
}
