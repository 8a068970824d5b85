package io.kafkaenvelope.kms.aws;

import io.kafkaenvelope.kms.DataKey;
import io.kafkaenvelope.kms.EncryptionContext;
import io.kafkaenvelope.kms.KeyManagementService;
import io.kafkaenvelope.kms.KmsException;
import io.kafkaenvelope.kms.KmsException.Reason;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.common.config.ConfigException;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.kms.model.DataKeySpec;
import software.amazon.awssdk.services.kms.model.DecryptResponse;
import software.amazon.awssdk.services.kms.model.GenerateMacResponse;
import software.amazon.awssdk.services.kms.model.MacAlgorithmSpec;
import software.amazon.awssdk.services.kms.model.DisabledException;
import software.amazon.awssdk.services.kms.model.GenerateDataKeyResponse;
import software.amazon.awssdk.services.kms.model.IncorrectKeyException;
import software.amazon.awssdk.services.kms.model.InvalidCiphertextException;
import software.amazon.awssdk.services.kms.model.KeyMetadata;
import software.amazon.awssdk.services.kms.model.KeySpec;
import software.amazon.awssdk.services.kms.model.KeyState;
import software.amazon.awssdk.services.kms.model.KeyUsageType;
import software.amazon.awssdk.services.kms.model.KmsInvalidStateException;
import software.amazon.awssdk.services.kms.model.NotFoundException;

/**
 * AWS KMS through the AWS SDK for Java v2 (v1 reached end-of-support on 2025-12-31). A new DEK is
 * one {@code GenerateDataKey} (AES_256); unwrapping is {@code Decrypt} with the KEK pinned, so a
 * wrapped key that names another KMS key is refused. Both send the envelope's encryption context,
 * which KMS verifies and CloudTrail records. This class holds the KMS operations and how their
 * failures map to {@link KmsException} reasons, plus the consumer-trust rules ({@link #sameKek},
 * {@link #discoveryAllows}); building the SDK clients (credentials, region, endpoint, timeouts,
 * retries, HTTP client) is {@link AwsClients}'s.
 */
final class AwsKms implements KeyManagementService {

  /** Error codes meaning the caller's identity or signature was refused (KMS and STS spellings). */
  private static final Set<String> DENIED_CODES = Set.of("AccessDeniedException", "AccessDenied",
      "UnrecognizedClientException", "InvalidSignatureException", "IncompleteSignature",
      "IncompleteSignatureException", "InvalidClientTokenId", "SignatureDoesNotMatch",
      "ExpiredToken", "ExpiredTokenException", "MissingAuthenticationToken",
      "MissingAuthenticationTokenException");
  private static final Set<String> UNAVAILABLE_CODES = Set.of("KMSInternalException",
      "KeyUnavailableException", "DependencyTimeoutException", "InternalFailure",
      "ServiceUnavailable");

  private final AwsClients clients;
  private final KmsClient kms;
  private final String region;
  private final Map<String, List<String>> alternates;
  private final String description;
  /** The partition of {@link #region}, or null when the region's name is not a known pattern. */
  private final String partition;
  /** The account of the credentials when configured, else null (then never assumed). */
  private final String ownAccount;
  private final Set<String> discoveryAccounts;
  private final String discoveryPartition;

  AwsKms(AwsKmsConfig config) {
    this.alternates = config.alternates();
    String endpoint = config.getString(AwsKmsConfig.ENDPOINT);
    String roleArn = config.getString(AwsKmsConfig.ASSUME_ROLE_ARN);
    this.clients = new AwsClients(config);
    this.kms = clients.kms();
    this.region = clients.region();
    this.partition = AwsKekId.partitionOf(region);
    this.ownAccount = config.ownAccount();
    this.discoveryAccounts = Set.copyOf(config.getList(AwsKmsConfig.DISCOVERY_ACCOUNT_IDS));
    this.discoveryPartition = config.getString(AwsKmsConfig.DISCOVERY_PARTITION);
    if (!discoveryAccounts.isEmpty() && partition != null
        && !partition.equals(discoveryPartition)) {
      close();
      throw new ConfigException(AwsKmsConfig.DISCOVERY_PARTITION + "=" + discoveryPartition
          + " but region " + region + " is in partition " + partition + ": no KEK could pass "
          + "the discovery filter; set " + AwsKmsConfig.DISCOVERY_PARTITION + "=" + partition);
    }
    this.description = "aws-kms(region=" + region
        + (endpoint == null ? "" : ", endpoint=" + endpoint)
        + ", credentials=" + clients.credentialsKind()
        + (roleArn == null ? "" : ", role=" + roleArn)
        + (discoveryAccounts.isEmpty() ? "" : ", discovery filter=" + discoveryPartition + ":"
            + new TreeSet<>(discoveryAccounts)) + ")";
  }

  @Override
  public DataKey generateDataKey(String kekId, EncryptionContext context) {
    try {
      GenerateDataKeyResponse r = kms.generateDataKey(b -> b.keyId(kekId)
          .keySpec(DataKeySpec.AES_256).encryptionContext(context.asMap()));
      byte[] plaintext = r.plaintext().asByteArray();
      try {
        return new DataKey(plaintext, r.ciphertextBlob().asByteArray(), r.keyId());
      } finally {
        Arrays.fill(plaintext, (byte) 0);
      }
    } catch (SdkException e) {
      throw translate(e, kekId, "GenerateDataKey");
    }
  }

  @Override
  public byte[] unwrap(String kekId, byte[] wrappedKey, EncryptionContext context) {
    KmsException failure = null;
    for (String keyId : candidates(kekId)) {
      String operation = keyId.equals(kekId) ? "Decrypt"
          : "Decrypt with alternate KEK '" + keyId + "'";
      try {
        DecryptResponse r = kms.decrypt(b -> b.keyId(keyId)
            .ciphertextBlob(SdkBytes.fromByteArrayUnsafe(wrappedKey))
            .encryptionContext(context.asMap()));
        byte[] plaintext = r.plaintext().asByteArray();
        if (plaintext.length != DataKey.KEY_LENGTH) {
          Arrays.fill(plaintext, (byte) 0);
          throw new KmsException(Reason.INVALID_CIPHERTEXT, kekId, operation
              + " returned " + plaintext.length + " bytes, not a data key");
        }
        return plaintext;
      } catch (SdkException e) {
        failure = translate(e, kekId, operation);
        if (!(e instanceof IncorrectKeyException || definitelyNotFound(e))) {
          break; // only "not this key" moves on to an alternate
        }
      }
    }
    throw failure;
  }

  /**
   * Deterministic mode: {@code GenerateMac} ({@code HMAC_SHA_256}) under {@code kekId}, which must
   * be an HMAC KMS key (KeySpec {@code HMAC_256}), over the context's canonical bytes. AWS KMS
   * HMAC keys are not rotated, so the MAC never changes under a key; consumers need
   * {@code kms:GenerateMac} on it, not {@code kms:Decrypt}. No alternates: a MAC has no
   * ciphertext that could name another key.
   */
  @Override
  public byte[] deriveKeyMaterial(String kekId, EncryptionContext context) {
    try {
      GenerateMacResponse r = kms.generateMac(b -> b.keyId(kekId)
          .macAlgorithm(MacAlgorithmSpec.HMAC_SHA_256)
          .message(SdkBytes.fromByteArray(context.canonicalBytes())));
      byte[] mac = r.mac().asByteArray();
      if (mac.length != DataKey.KEY_LENGTH) {
        Arrays.fill(mac, (byte) 0);
        throw new KmsException(Reason.INVALID_CIPHERTEXT, kekId, "GenerateMac returned "
            + mac.length + " bytes, not an HMAC-SHA256");
      }
      return mac;
    } catch (SdkException e) {
      throw translate(e, kekId, "GenerateMac");
    }
  }

  /**
   * {@code DescribeKey} (permission {@code kms:DescribeKey}): the key exists, its {@code KeyState}
   * is {@code Enabled}, and its {@code KeyUsage} fits: {@code ENCRYPT_DECRYPT} with KeySpec
   * {@code SYMMETRIC_DEFAULT} for data keys ({@code GenerateDataKey} refuses asymmetric keys),
   * {@code GENERATE_VERIFY_MAC} for deterministic mode. A reader checks the first key it would
   * decrypt with (an alternate when the KEK is an ARN of another region). Whether the caller may
   * also {@code GenerateDataKey}/{@code Decrypt} is decided by IAM at the first record.
   */
  @Override
  public boolean checkKek(String kekId, KekUse use) {
    String keyId = use == KekUse.DECRYPT ? candidates(kekId).get(0) : kekId;
    KeyMetadata m;
    try {
      m = kms.describeKey(b -> b.keyId(keyId)).keyMetadata();
    } catch (SdkException e) {
      throw translate(e, kekId, "DescribeKey");
    }
    if (m.keyState() != KeyState.ENABLED) {
      throw new KmsException(m.keyState() == KeyState.UNAVAILABLE ? Reason.UNAVAILABLE
          : Reason.KEY_DISABLED, kekId, "DescribeKey: " + m.arn() + " is in key state "
              + m.keyStateAsString() + ", not Enabled");
    }
    KeyUsageType wanted = use == KekUse.DERIVE ? KeyUsageType.GENERATE_VERIFY_MAC
        : KeyUsageType.ENCRYPT_DECRYPT;
    boolean symmetric = m.keySpec() == KeySpec.SYMMETRIC_DEFAULT;
    if (m.keyUsage() != wanted || (use != KekUse.DERIVE && !symmetric)) {
      throw new KmsException(Reason.MISCONFIGURED, kekId, "DescribeKey: " + m.arn() + " has "
          + "KeyUsage " + m.keyUsageAsString() + " and KeySpec " + m.keySpecAsString() + "; "
          + (use == KekUse.DERIVE ? "deterministic mode needs an HMAC key (KeySpec HMAC_256, "
              + "KeyUsage GENERATE_VERIFY_MAC)" : "data keys need a symmetric encryption key "
              + "(KeySpec SYMMETRIC_DEFAULT, KeyUsage ENCRYPT_DECRYPT)"));
    }
    return true;
  }

  /**
   * Whether two KEK ids certainly name the same AWS KMS key, from the strings alone (see
   * docs/kms-aws.md for the table). A bare key id or alias name resolves in this client's region
   * and in its own account, which is known only from {@code envelope.kms.aws.account.id} or the
   * role ARN; without it a bare id never matches an ARN. Key ids never match aliases (that would
   * need a KMS call), and an alias ARN of another region is another alias. A multi-Region key id
   * ({@code mrk-}) matches its replicas in every region of the same account and partition.
   */
  @Override
  public boolean sameKek(String expectedKekId, String recordedKekId) {
    if (expectedKekId.equals(recordedKekId)) {
      return true;
    }
    AwsKekId e = AwsKekId.parse(expectedKekId);
    AwsKekId r = AwsKekId.parse(recordedKekId);
    if (e == null || r == null || e.kind != r.kind || !e.name.equals(r.name)) {
      return false;
    }
    String ep = e.isArn() ? e.partition : partition;
    String rp = r.isArn() ? r.partition : partition;
    String ea = e.isArn() ? e.account : ownAccount;
    String ra = r.isArn() ? r.account : ownAccount;
    if (ep == null || !ep.equals(rp) || ea == null || !ea.equals(ra)) {
      return false;
    }
    String er = e.isArn() ? e.region : region;
    String rr = r.isArn() ? r.region : region;
    return e.isMultiRegionKey() || er.equals(rr);
  }

  /**
   * The discovery filter: with {@code envelope.kms.aws.discovery.account.ids} set, a KEK passes
   * only when it is in one of those accounts in {@code discovery.partition}. A bare id resolves in
   * this client's own account and passes only when that account is configured and listed. An id
   * in none of AWS's forms never passes a filter. Without accounts there is no filter.
   */
  @Override
  public boolean discoveryAllows(String recordedKekId) {
    if (discoveryAccounts.isEmpty()) {
      return true;
    }
    AwsKekId r = AwsKekId.parse(recordedKekId);
    if (r == null) {
      return false;
    }
    String p = r.isArn() ? r.partition : partition;
    String a = r.isArn() ? r.account : ownAccount;
    return discoveryPartition.equals(p) && a != null && discoveryAccounts.contains(a);
  }

  /** The KEKs allowed to unwrap DEKs of {@code kekId}: itself, then its alternates. */
  private List<String> candidates(String kekId) {
    List<String> alt = alternates.getOrDefault(kekId, List.of());
    List<String> keys = new ArrayList<>(alt.size() + 1);
    if (alt.isEmpty() || !isArnOfAnotherRegion(kekId)) {
      keys.add(kekId); // an ARN of another region cannot work here; its replica may
    }
    keys.addAll(alt);
    return keys;
  }

  private boolean isArnOfAnotherRegion(String keyId) {
    String[] parts = keyId.split(":", 6);
    return parts.length == 6 && parts[0].equals("arn") && !parts[3].equals(region);
  }

  /** Maps an SDK failure to a reason; the message names the key and AWS's error code. */
  static KmsException translate(SdkException e, String kekId, String operation) {
    if (e instanceof AwsServiceException) {
      AwsServiceException s = (AwsServiceException) e;
      // an answer without an error code (a proxy's 404 page) has none: never null here
      String code = s.awsErrorDetails() == null || s.awsErrorDetails().errorCode() == null ? ""
          : s.awsErrorDetails().errorCode();
      String service = s.awsErrorDetails() == null ? null : s.awsErrorDetails().serviceName();
      String msg = operation + " failed: "
          + (service == null || service.equalsIgnoreCase("kms") ? "" : service + " ")
          + code + " (HTTP " + s.statusCode() + "): "
          + (s.awsErrorDetails() == null || s.awsErrorDetails().errorMessage() == null ? ""
              : s.awsErrorDetails().errorMessage());
      return new KmsException(reasonOf(s, code), kekId, msg, e);
    }
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof AwsClients.CredentialsUnavailable) {
        return new KmsException(Reason.MISCONFIGURED, kekId, operation + " not attempted: "
            + e.getMessage(), e);
      }
    }
    return new KmsException(Reason.UNAVAILABLE, kekId, operation + " could not reach AWS KMS: "
        + e.getClass().getSimpleName() + ": " + e.getMessage(), e);
  }

  /**
   * AWS KMS's own answer "this key does not exist": the modelled NotFoundException with its error
   * code and HTTP 400, as KMS sends it. KEY_NOT_FOUND can let a producer send plaintext
   * ({@code envelope.kek.unresolved.policy=plaintext}), so a 404 from a proxy or a wrong endpoint,
   * an unknown error code or any other status is never taken for it.
   */
  static boolean definitelyNotFound(SdkException e) {
    if (!(e instanceof NotFoundException)) {
      return false;
    }
    AwsServiceException s = (AwsServiceException) e;
    return s.statusCode() == 400 && s.awsErrorDetails() != null
        && "NotFoundException".equals(s.awsErrorDetails().errorCode());
  }

  private static Reason reasonOf(AwsServiceException s, String code) {
    if (definitelyNotFound(s)) {
      return Reason.KEY_NOT_FOUND;
    }
    if (s instanceof DisabledException || s instanceof KmsInvalidStateException) {
      return Reason.KEY_DISABLED;
    }
    if (s instanceof IncorrectKeyException || s instanceof InvalidCiphertextException) {
      return Reason.INVALID_CIPHERTEXT;
    }
    if (DENIED_CODES.contains(code) || s.statusCode() == 401 || s.statusCode() == 403) {
      return Reason.ACCESS_DENIED;
    }
    if (s.isThrottlingException()) {
      return Reason.THROTTLED;
    }
    if (s.statusCode() >= 500 || UNAVAILABLE_CODES.contains(code)) {
      return Reason.UNAVAILABLE;
    }
    return Reason.MISCONFIGURED; // ValidationException, InvalidKeyUsageException, ...
  }

  @Override
  public String describe() {
    return description;
  }

  @Override
  public String toString() {
    return description;
  }

  @Override
  public void close() {
    clients.close();
  }
}
