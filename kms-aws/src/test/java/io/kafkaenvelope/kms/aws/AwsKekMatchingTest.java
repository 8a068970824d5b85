package io.kafkaenvelope.kms.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkaenvelope.kms.KeyManagementService;
import io.kafkaenvelope.internal.kms.KmsProviders;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * {@code sameKek} and {@code discoveryAllows} decide from strings alone: every case here is also
 * checked to make no KMS call. Each positive case has negatives that differ in one part only.
 */
@Order(3)
class AwsKekMatchingTest {

  static final String A = FakeAwsKms.ACCOUNT; // the consumer's own account
  static final String B = "444455556666";
  static final String K = "1234abcd-12ab-34cd-56ef-1234567890ab";
  static final String M = "mrk-1234abcd12ab34cd56ef1234567890ab";

  static FakeAwsKms fake;

  @BeforeAll
  static void start() throws Exception {
    fake = new FakeAwsKms("eu-west-1");
    fake.allowCredentials(AwsKmsTest.ACCESS_KEY, AwsKmsTest.SECRET);
  }

  @AfterAll
  static void stop() {
    fake.close();
  }

  @AfterEach
  void noKmsCall() {
    for (String op : new String[] {"GenerateDataKey", "Decrypt", "DescribeKey", "AssumeRole"}) {
      assertEquals(0, fake.calls(op), op + ": matching and discovery never call KMS");
    }
  }

  static String keyArn(String partition, String region, String account, String id) {
    return "arn:" + partition + ":kms:" + region + ":" + account + ":key/" + id;
  }

  static String aliasArn(String region, String account, String alias) {
    return "arn:aws:kms:" + region + ":" + account + ":" + alias;
  }

  static Map<String, Object> config(String region, String... settings) {
    Map<String, Object> c = new HashMap<>();
    c.put("envelope.kms.aws.region", region);
    c.put("envelope.kms.aws.endpoint", fake.endpoint());
    c.put("envelope.kms.aws.access.key.id", AwsKmsTest.ACCESS_KEY);
    c.put("envelope.kms.aws.secret.access.key", AwsKmsTest.SECRET);
    for (int i = 0; i < settings.length; i += 2) {
      c.put(settings[i], settings[i + 1]);
    }
    return c;
  }

  static KeyManagementService kms(String region, String... settings) {
    return KmsProviders.forType("aws-kms").create(config(region, settings));
  }

  /** Asserts the answer in both directions: the relation is symmetric. */
  static void same(KeyManagementService kms, boolean expected, String x, String y) {
    assertEquals(expected, kms.sameKek(x, y), x + " vs " + y);
    assertEquals(expected, kms.sameKek(y, x), y + " vs " + x);
  }

  @Test
  void withoutTheOwnAccountABareIdMatchesOnlyItself() {
    try (KeyManagementService kms = kms("eu-west-1")) {
      same(kms, true, K, K);
      same(kms, true, "alias/orders", "alias/orders");
      same(kms, true, "not-an-aws-id", "not-an-aws-id"); // the same string is the same key
      String arn = keyArn("aws", "eu-west-1", A, K);
      same(kms, true, arn, arn);
      same(kms, false, K, arn); // the account of these credentials is not known
      same(kms, false, "alias/orders", aliasArn("eu-west-1", A, "alias/orders"));
    }
  }

  @Test
  void bareIdsMatchArnsInTheOwnAccountRegionAndPartitionOnly() {
    try (KeyManagementService kms = kms("eu-west-1", "envelope.kms.aws.account.id", A)) {
      same(kms, true, K, keyArn("aws", "eu-west-1", A, K));
      same(kms, false, K, keyArn("aws", "us-east-1", A, K));
      same(kms, false, K, keyArn("aws", "eu-west-1", B, K));
      same(kms, false, K, keyArn("aws-us-gov", "eu-west-1", A, K));
      same(kms, false, K, keyArn("aws", "eu-west-1", A, K.replace('a', 'b')));
      same(kms, false, K, K.toUpperCase(java.util.Locale.ROOT));

      String alias = "alias/orders";
      same(kms, true, alias, aliasArn("eu-west-1", A, alias));
      same(kms, false, alias, aliasArn("us-east-1", A, alias));
      same(kms, false, alias, aliasArn("eu-west-1", B, alias));
      same(kms, false, alias, "alias/Orders");
      same(kms, false, alias, "alias/orders/");
      same(kms, false, aliasArn("eu-west-1", A, alias), aliasArn("us-east-1", A, alias));
    }
  }

  @Test
  void aliasesNeverMatchKeysWhateverTheyPointTo() {
    try (KeyManagementService kms = kms("eu-west-1", "envelope.kms.aws.account.id", A)) {
      String keyArn = keyArn("aws", "eu-west-1", A, K);
      for (String alias : new String[] {"alias/orders", aliasArn("eu-west-1", A, "alias/orders"),
          "alias/" + K, aliasArn("eu-west-1", A, "alias/" + K)}) {
        same(kms, false, alias, K);
        same(kms, false, alias, keyArn);
        same(kms, false, alias, M);
      }
    }
  }

  @Test
  void multiRegionKeysMatchTheirReplicasInEveryRegionOfTheSameAccountAndPartition() {
    try (KeyManagementService kms = kms("us-east-1")) {
      String primary = keyArn("aws", "eu-west-1", A, M);
      String replica = keyArn("aws", "us-east-1", A, M);
      same(kms, true, primary, replica);
      same(kms, true, primary, keyArn("aws", "ap-south-1", A, M));
      same(kms, false, primary, keyArn("aws", "us-east-1", B, M));
      same(kms, false, primary, keyArn("aws-us-gov", "us-gov-west-1", A, M));
      same(kms, false, primary, keyArn("aws", "us-east-1", A, M.replace('a', 'c')));
      same(kms, false, M, primary); // bare: account not known
      // a single-Region key id in another region is another key, even with the same id
      same(kms, false, keyArn("aws", "eu-west-1", A, K), keyArn("aws", "us-east-1", A, K));
    }
    try (KeyManagementService kms = kms("us-east-1", "envelope.kms.aws.account.id", A)) {
      same(kms, true, M, keyArn("aws", "eu-west-1", A, M));
      same(kms, false, M, keyArn("aws", "eu-west-1", B, M));
    }
  }

  @Test
  void malformedIdsMatchNothingButThemselves() {
    try (KeyManagementService kms = kms("eu-west-1", "envelope.kms.aws.account.id", A)) {
      String good = keyArn("aws", "eu-west-1", A, K);
      for (String bad : new String[] {"", "key/" + K, "arn:aws:kms:eu-west-1:" + A + ":key/",
          "arn:aws:kms:eu-west-1:11112222333:key/" + K, "arn:aws:kms::" + A + ":key/" + K,
          "arn:aws:iam::" + A + ":key/" + K, "arn:aws:kms:eu-west-1:" + A + ":key/" + K + "/x",
          "arn:aws:kms:eu-west-1:" + A + ":alias/", "alias/", "alias/a b", " " + K, K + " ",
          "arn:aws:kms:eu-west-1:" + A + ":Key/" + K}) {
        same(kms, false, bad, good);
        same(kms, false, bad, K);
      }
    }
  }

  @Test
  void partitionFollowsTheRegionAndUnknownRegionsAreNeverCertain() {
    try (KeyManagementService kms = kms("cn-north-1", "envelope.kms.aws.account.id", A)) {
      same(kms, true, K, keyArn("aws-cn", "cn-north-1", A, K));
      same(kms, false, K, keyArn("aws", "cn-north-1", A, K));
    }
    try (KeyManagementService kms = kms("us-gov-west-1", "envelope.kms.aws.account.id", A)) {
      same(kms, true, K, keyArn("aws-us-gov", "us-gov-west-1", A, K));
      same(kms, false, K, keyArn("aws", "us-gov-west-1", A, K));
    }
    try (KeyManagementService kms = kms("zz-nowhere-1", "envelope.kms.aws.account.id", A)) {
      same(kms, false, K, keyArn("aws", "zz-nowhere-1", A, K));
      same(kms, true, keyArn("aws", "eu-west-1", A, M), keyArn("aws", "us-east-1", A, M));
    }
  }

  @Test
  void ownAccountComesFromTheSettingOrTheRoleArnAndTheyMustAgree() {
    String role = "arn:aws:iam::" + A + ":role/consumer";
    try (KeyManagementService kms = kms("eu-west-1", "envelope.kms.aws.assume.role.arn", role,
        "envelope.kms.aws.sts.endpoint", fake.endpoint())) {
      same(kms, true, K, keyArn("aws", "eu-west-1", A, K));
      same(kms, false, K, keyArn("aws", "eu-west-1", B, K));
    }
    ConfigException e = assertThrows(ConfigException.class, () -> kms("eu-west-1",
        "envelope.kms.aws.assume.role.arn", role, "envelope.kms.aws.account.id", B));
    assertTrue(e.getMessage().contains("envelope.kms.aws.account.id")
        && e.getMessage().contains("envelope.kms.aws.assume.role.arn"), e.getMessage());
    for (String bad : new String[] {"12345", "1111222233334", "11112222333x", ""}) {
      ConfigException ce = assertThrows(ConfigException.class,
          () -> kms("eu-west-1", "envelope.kms.aws.account.id", bad), bad);
      assertTrue(ce.getMessage().contains("envelope.kms.aws.account.id"), ce.getMessage());
    }
  }

  @Test
  void alternateKeksDoNotWidenTheMatch() {
    String oldKey = keyArn("aws", "eu-west-1", A, K);
    try (KeyManagementService kms = kms("eu-west-1", "envelope.kms.aws.account.id", A,
        "envelope.kms.aws.decrypt.alternate.kek.ids", "alias/moving=" + oldKey)) {
      same(kms, false, "alias/moving", oldKey);
      same(kms, false, "alias/moving", K);
    }
  }

  @Test
  void withoutAccountsThereIsNoDiscoveryFilter() {
    try (KeyManagementService kms = kms("eu-west-1")) {
      assertFalse(kms.describe().contains("discovery"), kms.describe());
      for (String id : new String[] {K, "alias/x", keyArn("aws", "eu-west-1", B, K),
          keyArn("aws-cn", "cn-north-1", B, K), "not-an-aws-id"}) {
        assertTrue(kms.discoveryAllows(id), id);
      }
    }
  }

  @Test
  void discoveryFilterAdmitsOnlyListedAccountsInThePartition() {
    try (KeyManagementService kms = kms("eu-west-1",
        "envelope.kms.aws.discovery.account.ids", B + ", 777788889999")) {
      assertTrue(kms.describe().contains("discovery filter=aws:[" + B + ", 777788889999]"),
          "serde-core's discovery WARN shows the filter: " + kms.describe());
      assertTrue(kms.discoveryAllows(keyArn("aws", "eu-west-1", B, K)));
      assertTrue(kms.discoveryAllows(keyArn("aws", "us-east-1", B, M)), "any region");
      assertTrue(kms.discoveryAllows(keyArn("aws", "eu-west-1", "777788889999", K)));
      assertTrue(kms.discoveryAllows(aliasArn("eu-west-1", B, "alias/orders")));
      assertFalse(kms.discoveryAllows(keyArn("aws", "eu-west-1", A, K)), "own, not listed");
      assertFalse(kms.discoveryAllows(keyArn("aws-cn", "cn-north-1", B, K)), "partition");
      assertFalse(kms.discoveryAllows(keyArn("aws", "eu-west-1", "44445555666", K)));
      assertFalse(kms.discoveryAllows(K), "bare: own account unknown");
      assertFalse(kms.discoveryAllows("alias/orders"), "bare: own account unknown");
      for (String bad : new String[] {"", "not-an-aws-id", "arn:aws:kms:eu-west-1:" + B + ":key/",
          "arn:aws:kms:eu-west-1:" + B + ":key/orders", "key/" + K}) {
        assertFalse(kms.discoveryAllows(bad), bad);
      }
    }
    try (KeyManagementService kms = kms("eu-west-1", "envelope.kms.aws.account.id", B,
        "envelope.kms.aws.discovery.account.ids", B)) {
      assertTrue(kms.discoveryAllows(K), "bare ids resolve in the own, listed account");
      assertTrue(kms.discoveryAllows("alias/orders"));
    }
    try (KeyManagementService kms = kms("eu-west-1", "envelope.kms.aws.account.id", A,
        "envelope.kms.aws.discovery.account.ids", B)) {
      assertFalse(kms.discoveryAllows(K), "own account not listed");
      assertFalse(kms.discoveryAllows("alias/orders"));
    }
    try (KeyManagementService kms = kms("cn-north-1", "envelope.kms.aws.discovery.partition",
        "aws-cn", "envelope.kms.aws.discovery.account.ids", B)) {
      assertTrue(kms.discoveryAllows(keyArn("aws-cn", "cn-north-1", B, K)));
      assertFalse(kms.discoveryAllows(keyArn("aws", "eu-west-1", B, K)));
    }
  }

  @Test
  void discoverySettingsAreCheckedAtConfigureTime() {
    String[][] bad = {
        {"eu-west-1", "envelope.kms.aws.discovery.account.ids", "12345"},
        {"eu-west-1", "envelope.kms.aws.discovery.account.ids", B + ",arn:aws:iam::" + A + ":root"},
        {"eu-west-1", "envelope.kms.aws.discovery.partition", "aws"}, // without accounts
        {"eu-west-1", "envelope.kms.aws.discovery.partition", "azure",
            "envelope.kms.aws.discovery.account.ids", B},
        {"eu-west-1", "envelope.kms.aws.discovery.partition", "aws-cn",
            "envelope.kms.aws.discovery.account.ids", B},
        {"cn-north-1", "envelope.kms.aws.discovery.account.ids", B}}; // default partition aws
    for (String[] b : bad) {
      String[] settings = java.util.Arrays.copyOfRange(b, 1, b.length);
      ConfigException e = assertThrows(ConfigException.class, () -> kms(b[0], settings),
          String.join(" ", b));
      assertTrue(e.getMessage().contains("envelope.kms.aws.discovery."), e.getMessage());
    }
  }
}
