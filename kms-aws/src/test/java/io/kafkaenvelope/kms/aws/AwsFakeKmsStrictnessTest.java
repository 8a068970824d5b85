package io.kafkaenvelope.kms.aws;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.retry.RetryMode;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.kms.model.DataKeySpec;
import software.amazon.awssdk.services.kms.model.GenerateDataKeyResponse;

/**
 * {@link FakeAwsKms} is only worth testing against if it refuses what AWS KMS refuses where the
 * trust model relies on it: accounts and key policies, keys of other accounts, opaque and
 * authenticated blobs, exact encryption contexts, KeyId pinning, key state without a KeyId. Each
 * test drives the unmodified SDK client and checks AWS's error code.
 */
@Order(2)
class AwsFakeKmsStrictnessTest {

  static final String OTHER_ACCOUNT = "444455556666";
  static final String OTHER_KEY = "AKIAOTHERACCOUNT0001";
  static final String OTHER_SECRET = "other-account-secret-never-printed-0001";
  static final String OTHER_KEY_2 = "AKIAOTHERACCOUNT0002";
  static final String OTHER_SECRET_2 = "other-account-secret-never-printed-0002";

  static FakeAwsKms fake;
  static String mine;
  static String theirs;
  static KmsClient a;
  static KmsClient b;
  static KmsClient b2;

  @BeforeAll
  static void start() throws Exception {
    fake = new FakeAwsKms("eu-west-1");
    fake.allowCredentials(AwsKmsTest.ACCESS_KEY, AwsKmsTest.SECRET);
    fake.allowCredentials(OTHER_KEY, OTHER_SECRET, OTHER_ACCOUNT);
    fake.allowCredentials(OTHER_KEY_2, OTHER_SECRET_2, OTHER_ACCOUNT);
    mine = fake.createKey("orders");
    theirs = fake.createKey(OTHER_ACCOUNT, "orders"); // same alias name, other account
    a = client(AwsKmsTest.ACCESS_KEY, AwsKmsTest.SECRET);
    b = client(OTHER_KEY, OTHER_SECRET);
    b2 = client(OTHER_KEY_2, OTHER_SECRET_2);
  }

  @AfterAll
  static void stop() {
    a.close();
    b.close();
    b2.close();
    fake.close();
  }

  @BeforeEach
  void reset() {
    fake.resetCounters();
  }

  static KmsClient client(String accessKey, String secret) {
    return KmsClient.builder().region(Region.EU_WEST_1)
        .endpointOverride(URI.create(fake.endpoint()))
        .credentialsProvider(StaticCredentialsProvider.create(
            AwsBasicCredentials.create(accessKey, secret)))
        .overrideConfiguration(o -> o.retryStrategy(RetryMode.STANDARD))
        .httpClient(UrlConnectionHttpClient.create()).build();
  }

  private static final Map<String, String> CTX = Map.of("kafka-envelope:purpose", "dek");

  private static GenerateDataKeyResponse generate(KmsClient c, String keyId,
      Map<String, String> ctx) {
    return c.generateDataKey(r -> r.keyId(keyId).keySpec(DataKeySpec.AES_256)
        .encryptionContext(ctx));
  }

  private static byte[] decrypt(KmsClient c, String keyId, byte[] blob, Map<String, String> ctx) {
    return c.decrypt(r -> r.keyId(keyId).ciphertextBlob(SdkBytes.fromByteArray(blob))
        .encryptionContext(ctx)).plaintext().asByteArray();
  }

  private static String code(Runnable call) {
    AwsServiceException e = assertThrows(AwsServiceException.class, call::run);
    return e.awsErrorDetails().errorCode();
  }

  private static String id(String arn) {
    return arn.substring(arn.lastIndexOf('/') + 1);
  }

  @Test
  void blobsAreOpaqueBinaryOfTheRealSize() {
    GenerateDataKeyResponse r = generate(a, mine, CTX);
    byte[] blob = r.ciphertextBlob().asByteArray();
    assertEquals(184, blob.length, "AWS KMS's size for a 32-byte data key");
    assertEquals(1, blob[0], "a binary version byte, not text");
    String latin1 = new String(blob, StandardCharsets.ISO_8859_1);
    assertFalse(latin1.contains(id(mine)), "the key id is not readable in the blob");
    assertFalse(latin1.contains("dek"), "the context is not in the blob");
    assertArrayEquals(r.plaintext().asByteArray(), decrypt(a, mine, blob, CTX));
    assertEquals(mine, r.keyId());
  }

  @Test
  void forgedOrDamagedBlobsAreInvalidCiphertext() {
    String victim = fake.createKey(null);
    byte[] blob = generate(a, mine, CTX).ciphertextBlob().asByteArray();
    // the same bytes claiming to be the victim key's: its secret does not authenticate them
    byte[] relabelled = blob.clone();
    java.util.UUID v = java.util.UUID.fromString(id(victim));
    java.nio.ByteBuffer.wrap(relabelled, 2, 16).putLong(v.getMostSignificantBits())
        .putLong(v.getLeastSignificantBits());
    assertEquals("InvalidCiphertextException", code(() -> decrypt(a, victim, relabelled, CTX)));
    assertEquals("InvalidCiphertextException", code(() -> a.decrypt(d -> d.ciphertextBlob(
        SdkBytes.fromByteArray(relabelled)).encryptionContext(CTX))));
    byte[] version = blob.clone();
    version[0] = 2;
    assertEquals("InvalidCiphertextException", code(() -> decrypt(a, mine, version, CTX)));
    for (int i : new int[] {20, 60, 100, 183}) { // backing id, nonce, body, tag
      byte[] flipped = blob.clone();
      flipped[i] ^= 1;
      assertEquals("InvalidCiphertextException", code(() -> decrypt(a, mine, flipped, CTX)),
          "byte " + i);
    }
    assertEquals("InvalidCiphertextException",
        code(() -> decrypt(a, mine, Arrays.copyOf(blob, 183), CTX)));
    byte[] unknownKey = blob.clone();
    unknownKey[10] ^= 1;
    assertEquals("InvalidCiphertextException", code(() -> a.decrypt(d -> d.ciphertextBlob(
        SdkBytes.fromByteArray(unknownKey)).encryptionContext(CTX))));
    assertEquals(5, fake.decryptsOf(mine), "counted by the key a blob names, whatever the answer");
    assertEquals(2, fake.decryptsOf(victim));
  }

  @Test
  void encryptionContextsAreComparedExactlyAsMaps() {
    Map<String, String> two = new LinkedHashMap<>();
    two.put("a", "b");
    two.put("c", "d");
    byte[] blob = generate(a, mine, Map.of("a", "b, c=d")).ciphertextBlob().asByteArray();
    // {a=b, c=d} is the same text as {a="b, c=d"} in a toString encoding: not the same map
    assertEquals("InvalidCiphertextException", code(() -> decrypt(a, mine, blob, two)));
    byte[] blob2 = generate(a, mine, two).ciphertextBlob().asByteArray();
    assertEquals("InvalidCiphertextException",
        code(() -> decrypt(a, mine, blob2, Map.of("a", "b, c=d"))));
    assertEquals("InvalidCiphertextException",
        code(() -> decrypt(a, mine, blob2, Map.of("a", "b"))));
    assertEquals("InvalidCiphertextException",
        code(() -> decrypt(a, mine, blob2, Map.of("a", "b", "c", "d", "e", ""))));
    assertEquals("InvalidCiphertextException",
        code(() -> decrypt(a, mine, blob2, Map.of("a", "bc", "c", "d".substring(1)))));
    assertEquals("InvalidCiphertextException",
        code(() -> decrypt(a, mine, blob2, Map.of("ab", "", "c", "d"))));
    Map<String, String> reordered = new LinkedHashMap<>();
    reordered.put("c", "d");
    reordered.put("a", "b");
    assertEquals(32, decrypt(a, mine, blob2, reordered).length, "order does not matter");
    byte[] empty = generate(a, mine, Map.of()).ciphertextBlob().asByteArray();
    assertEquals("InvalidCiphertextException",
        code(() -> decrypt(a, mine, empty, Map.of("", ""))));
  }

  @Test
  void pinnedKeyIdMustBeTheBlobsKey() {
    String other = fake.createKey(null);
    byte[] blob = generate(a, mine, CTX).ciphertextBlob().asByteArray();
    assertEquals("IncorrectKeyException", code(() -> decrypt(a, other, blob, CTX)));
    assertEquals("IncorrectKeyException", code(() -> decrypt(a, "alias/orders", generate(a,
        other, CTX).ciphertextBlob().asByteArray(), CTX)));
    assertEquals("NotFoundException", code(() -> decrypt(a, "alias/none", blob, CTX)));
  }

  @Test
  void keyStateIsCheckedWithAndWithoutKeyId() {
    String deleting = fake.createKey(null);
    String disabled = fake.createKey(null);
    byte[] d1 = generate(a, deleting, CTX).ciphertextBlob().asByteArray();
    byte[] d2 = generate(a, disabled, CTX).ciphertextBlob().asByteArray();
    fake.scheduleDeletion(deleting);
    fake.disable(disabled);
    assertEquals("KMSInvalidStateException", code(() -> decrypt(a, deleting, d1, CTX)));
    assertEquals("KMSInvalidStateException", code(() -> a.decrypt(d -> d.ciphertextBlob(
        SdkBytes.fromByteArray(d1)).encryptionContext(CTX))));
    assertEquals("DisabledException", code(() -> decrypt(a, disabled, d2, CTX)));
    assertEquals("DisabledException", code(() -> a.decrypt(d -> d.ciphertextBlob(
        SdkBytes.fromByteArray(d2)).encryptionContext(CTX))));
    assertEquals("KMSInvalidStateException", code(() -> generate(a, deleting, CTX)));
  }

  @Test
  void bareIdsAndAliasesResolveInTheCallersOwnAccount() {
    // the same alias name is a different key in each account
    assertEquals(mine, generate(a, "alias/orders", CTX).keyId());
    assertEquals(theirs, generate(b, "alias/orders", CTX).keyId());
    // a bare key id of another account's key is not found, even though the key exists
    assertEquals("NotFoundException", code(() -> generate(b, id(mine), CTX)));
    assertEquals("NotFoundException", code(() -> generate(a, id(theirs), CTX)));
    // an ARN whose account is not the key's is not found either
    String wrongAccount = theirs.replace(OTHER_ACCOUNT, FakeAwsKms.ACCOUNT);
    assertEquals("NotFoundException", code(() -> generate(a, wrongAccount, CTX)));
    assertEquals("NotFoundException",
        code(() -> generate(a, mine.replace("eu-west-1", "us-east-1"), CTX)));
    assertEquals("NotFoundException",
        code(() -> generate(a, mine.replace("arn:aws:", "arn:aws-cn:"), CTX)));
  }

  @Test
  void otherAccountsKeysNeedTheKeyPolicyPerOperationAndPrincipal() {
    String shared = fake.createKey(OTHER_ACCOUNT, "shared");
    String aliasArn = "arn:aws:kms:eu-west-1:" + OTHER_ACCOUNT + ":alias/shared";
    GenerateDataKeyResponse made = generate(b, "alias/shared", CTX);
    byte[] blob = made.ciphertextBlob().asByteArray();
    // by ARN the key is found, but its default policy admits only its own account
    assertEquals("AccessDeniedException", code(() -> generate(a, shared, CTX)));
    assertEquals("AccessDeniedException", code(() -> generate(a, aliasArn, CTX)));
    assertEquals("AccessDeniedException", code(() -> decrypt(a, shared, blob, CTX)));
    assertEquals("AccessDeniedException", code(() -> a.decrypt(d -> d.ciphertextBlob(
        SdkBytes.fromByteArray(blob)).encryptionContext(CTX))), "no KeyId: the blob's key");
    AwsServiceException e = assertThrows(AwsServiceException.class,
        () -> decrypt(a, shared, blob, CTX));
    assertTrue(e.awsErrorDetails().errorMessage().contains(FakeAwsKms.PRINCIPAL)
        && e.awsErrorDetails().errorMessage().contains("kms:Decrypt")
        && e.awsErrorDetails().errorMessage().contains(shared), e.getMessage());

    fake.keyPolicy(shared, "Decrypt", "*");
    assertArrayEquals(made.plaintext().asByteArray(), decrypt(a, shared, blob, CTX));
    assertArrayEquals(made.plaintext().asByteArray(), decrypt(a, aliasArn, blob, CTX));
    assertEquals("AccessDeniedException", code(() -> generate(a, shared, CTX)),
        "Decrypt for anyone is not GenerateDataKey for anyone");
    assertEquals("AccessDeniedException", code(() -> generate(a, theirs, CTX)),
        "another key of that account keeps its own policy");

    fake.keyPolicy(shared, "Decrypt",
        "arn:aws:iam::" + OTHER_ACCOUNT + ":user/" + OTHER_KEY);
    assertEquals(32, decrypt(b, shared, blob, CTX).length, "the named principal");
    assertEquals("AccessDeniedException", code(() -> decrypt(b2, shared, blob, CTX)),
        "another principal of the same account");
    assertEquals("AccessDeniedException", code(() -> decrypt(a, shared, blob, CTX)));
    fake.keyPolicy(shared, "Decrypt");
    assertEquals("AccessDeniedException", code(() -> decrypt(b, shared, blob, CTX)),
        "an empty statement admits nobody");
    fake.keyPolicy(shared, "Decrypt", OTHER_ACCOUNT);
    assertEquals(32, decrypt(b2, shared, blob, CTX).length, "the account admits its principals");
  }
}
