package io.kafkaenvelope.kms.aws;

import io.kafkaenvelope.kms.DataKey;
import io.kafkaenvelope.kms.EncryptionContext;
import io.kafkaenvelope.kms.KeyManagementService;
import io.kafkaenvelope.kms.KmsException;
import io.kafkaenvelope.kms.KmsException.Reason;
import java.net.URI;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.ProfileCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.kms.KmsClientBuilder;
import software.amazon.awssdk.services.kms.model.DataKeySpec;
import software.amazon.awssdk.services.kms.model.DecryptResponse;
import software.amazon.awssdk.services.kms.model.DisabledException;
import software.amazon.awssdk.services.kms.model.GenerateDataKeyResponse;
import software.amazon.awssdk.services.kms.model.IncorrectKeyException;
import software.amazon.awssdk.services.kms.model.InvalidCiphertextException;
import software.amazon.awssdk.services.kms.model.KmsInvalidStateException;
import software.amazon.awssdk.services.kms.model.NotFoundException;
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.services.sts.StsClientBuilder;
import software.amazon.awssdk.services.sts.auth.StsAssumeRoleCredentialsProvider;

/**
 * AWS KMS through the AWS SDK for Java v2 (v1 reached end-of-support on 2025-12-31). A new DEK is
 * one {@code GenerateDataKey} (AES_256); unwrapping is {@code Decrypt} with the KEK pinned, so a
 * wrapped key that names another KMS key is refused. Both send the envelope's encryption context,
 * which KMS verifies and CloudTrail records. The client uses the light synchronous URL-connection
 * HTTP client (no Netty inside a serializer), bounded timeouts and the SDK's standard retries
 * (exponential backoff with jitter; throttling and 5xx retried, access and key errors not).
 */
final class AwsKms implements KeyManagementService {

  private final KmsClient kms;
  private final AwsCredentialsProvider credentials;
  private final StsClient sts;
  private final Map<String, String> decryptKekMap;
  private final String description;

  AwsKms(AwsKmsConfig config) {
    SdkHttpClient http = UrlConnectionHttpClient.builder()
        .connectionTimeout(Duration.ofMillis(config.getInt(AwsKmsConfig.CONNECT_TIMEOUT_MS)))
        .socketTimeout(Duration.ofMillis(config.getInt(AwsKmsConfig.SOCKET_TIMEOUT_MS)))
        .build();
    ClientOverrideConfiguration overrides = ClientOverrideConfiguration.builder()
        .apiCallTimeout(Duration.ofMillis(config.getInt(AwsKmsConfig.API_CALL_TIMEOUT_MS)))
        .retryStrategy(b -> b.maxAttempts(config.getInt(AwsKmsConfig.MAX_ATTEMPTS)))
        .build();
    String region = config.getString(AwsKmsConfig.REGION);
    AwsCredentialsProvider base = baseCredentials(config);
    String roleArn = config.getString(AwsKmsConfig.ASSUME_ROLE_ARN);
    if (roleArn != null && !roleArn.isBlank()) {
      StsClientBuilder sb = StsClient.builder().httpClient(http).credentialsProvider(base)
          .overrideConfiguration(overrides);
      if (region != null) {
        sb.region(Region.of(region));
      }
      String stsEndpoint = config.getString(AwsKmsConfig.STS_ENDPOINT);
      if (stsEndpoint != null) {
        sb.endpointOverride(URI.create(stsEndpoint));
      }
      this.sts = sb.build();
      String externalId = AwsKmsConfig.value(config.getPassword(AwsKmsConfig.ASSUME_ROLE_EXTERNAL_ID));
      String session = config.getString(AwsKmsConfig.ASSUME_ROLE_SESSION_NAME);
      this.credentials = StsAssumeRoleCredentialsProvider.builder()
          .stsClient(sts)
          .refreshRequest(r -> r.roleArn(roleArn).roleSessionName(session).externalId(externalId))
          .build();
    } else {
      this.sts = null;
      this.credentials = base;
    }
    KmsClientBuilder kb = KmsClient.builder().httpClient(http).credentialsProvider(credentials)
        .overrideConfiguration(overrides);
    if (region != null) {
      kb.region(Region.of(region));
    }
    String endpoint = config.getString(AwsKmsConfig.ENDPOINT);
    if (endpoint != null) {
      kb.endpointOverride(URI.create(endpoint));
    }
    this.kms = kb.build();
    this.decryptKekMap = config.decryptKekMap();
    this.description = "aws-kms(region=" + (region == null ? "default" : region)
        + (endpoint == null ? "" : ", endpoint=" + endpoint)
        + (roleArn == null ? "" : ", role=" + roleArn) + ")";
  }

  private static AwsCredentialsProvider baseCredentials(AwsKmsConfig config) {
    String keyId = AwsKmsConfig.value(config.getPassword(AwsKmsConfig.ACCESS_KEY_ID));
    if (keyId != null) {
      String secret = AwsKmsConfig.value(config.getPassword(AwsKmsConfig.SECRET_ACCESS_KEY));
      String token = AwsKmsConfig.value(config.getPassword(AwsKmsConfig.SESSION_TOKEN));
      return StaticCredentialsProvider.create(token == null
          ? AwsBasicCredentials.create(keyId, secret)
          : AwsSessionCredentials.create(keyId, secret, token));
    }
    String profile = config.getString(AwsKmsConfig.PROFILE);
    if (profile != null) {
      return ProfileCredentialsProvider.create(profile);
    }
    return DefaultCredentialsProvider.builder().build();
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
    String keyId = decryptKekMap.getOrDefault(kekId, kekId);
    try {
      DecryptResponse r = kms.decrypt(b -> b.keyId(keyId)
          .ciphertextBlob(SdkBytes.fromByteArrayUnsafe(wrappedKey))
          .encryptionContext(context.asMap()));
      return r.plaintext().asByteArray();
    } catch (SdkException e) {
      throw translate(e, keyId, "Decrypt");
    }
  }

  /** Maps an SDK failure to a reason; the message names the key and AWS's error code. */
  static KmsException translate(SdkException e, String kekId, String operation) {
    if (e instanceof AwsServiceException) {
      AwsServiceException s = (AwsServiceException) e;
      String code = s.awsErrorDetails() == null ? "" : s.awsErrorDetails().errorCode();
      String msg = operation + " failed: " + code + " (HTTP " + s.statusCode() + "): "
          + (s.awsErrorDetails() == null ? "" : s.awsErrorDetails().errorMessage());
      return new KmsException(reasonOf(s, code), kekId, msg, e);
    }
    if (e instanceof SdkClientException) {
      return new KmsException(Reason.UNAVAILABLE, kekId, operation + " could not reach AWS KMS: "
          + e.getClass().getSimpleName() + ": " + e.getMessage(), e);
    }
    return new KmsException(Reason.UNAVAILABLE, kekId, operation + " failed: "
        + e.getClass().getSimpleName(), e);
  }

  private static Reason reasonOf(AwsServiceException s, String code) {
    if (s instanceof NotFoundException) {
      return Reason.KEY_NOT_FOUND;
    }
    if (s instanceof DisabledException || s instanceof KmsInvalidStateException) {
      return Reason.KEY_DISABLED;
    }
    if (s instanceof IncorrectKeyException || s instanceof InvalidCiphertextException) {
      return Reason.INVALID_CIPHERTEXT;
    }
    if ("AccessDeniedException".equals(code) || s.statusCode() == 403) {
      return Reason.ACCESS_DENIED;
    }
    if (s.isThrottlingException() || "LimitExceededException".equals(code)) {
      return Reason.THROTTLED;
    }
    if (s.statusCode() >= 500 || "KeyUnavailableException".equals(code)
        || "DependencyTimeoutException".equals(code) || "KMSInternalException".equals(code)) {
      return Reason.UNAVAILABLE;
    }
    return Reason.MISCONFIGURED;
  }

  @Override
  public String describe() {
    return description;
  }

  @Override
  public void close() {
    kms.close();
    if (credentials instanceof AutoCloseable) {
      try {
        ((AutoCloseable) credentials).close();
      } catch (Exception ignored) {
        // closing refresh threads only
      }
    }
    if (sts != null) {
      sts.close();
    }
  }
}
