package io.kafkaenvelope.kms.aws;

import java.net.URI;
import java.time.Duration;
import org.apache.kafka.common.config.ConfigException;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.ProfileCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.retries.api.BackoffStrategy;
import software.amazon.awssdk.retries.api.RetryStrategy;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.kms.KmsClientBuilder;
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.services.sts.StsClientBuilder;
import software.amazon.awssdk.services.sts.auth.StsAssumeRoleCredentialsProvider;

/**
 * The AWS SDK wiring behind {@link AwsKms}: credentials (static keys, a profile or the default
 * chain, optionally exchanged for an assumed role through STS), region and endpoint overrides, the
 * light synchronous URL-connection HTTP client (no Netty inside a serializer), bounded timeouts
 * and the SDK's standard retry strategy (exponential backoff with full jitter; throttling, 5xx and
 * network errors retried, access and key errors not). It owns every SDK resource it builds and
 * releases them all on {@link #close()}.
 */
final class AwsClients implements AutoCloseable {

  private static final Duration MAX_BACKOFF = Duration.ofSeconds(20);

  private final SdkHttpClient http;
  private final AwsCredentialsProvider baseCredentials;
  private final StsClient sts;
  private final StsAssumeRoleCredentialsProvider roleCredentials;
  private final KmsClient kms;
  private final String credentialsKind;

  AwsClients(AwsKmsConfig config) {
    this.http = UrlConnectionHttpClient.builder()
        .connectionTimeout(Duration.ofMillis(config.getInt(AwsKmsConfig.CONNECT_TIMEOUT_MS)))
        .socketTimeout(Duration.ofMillis(config.getInt(AwsKmsConfig.SOCKET_TIMEOUT_MS)))
        .build();
    String regionSetting = config.getString(AwsKmsConfig.REGION);
    String endpoint = config.getString(AwsKmsConfig.ENDPOINT);
    String roleArn = config.getString(AwsKmsConfig.ASSUME_ROLE_ARN);
    StsClient stsClient = null;
    StsAssumeRoleCredentialsProvider role = null;
    KmsClient kmsClient = null;
    this.baseCredentials = baseCredentials(config);
    this.credentialsKind = credentialsKind(config);
    try {
      ClientOverrideConfiguration overrides = ClientOverrideConfiguration.builder()
          .apiCallTimeout(Duration.ofMillis(config.getInt(AwsKmsConfig.API_CALL_TIMEOUT_MS)))
          .retryStrategy(retryStrategy(config))
          .build();
      AwsCredentialsProvider credentials = tagFailures(baseCredentials);
      if (roleArn != null) {
        StsClientBuilder sb = StsClient.builder().httpClient(http).credentialsProvider(credentials)
            .overrideConfiguration(overrides);
        if (regionSetting != null) {
          sb.region(Region.of(regionSetting));
        }
        String stsEndpoint = config.getString(AwsKmsConfig.STS_ENDPOINT);
        if (stsEndpoint != null) {
          sb.endpointOverride(URI.create(stsEndpoint));
        }
        stsClient = sb.build();
        String externalId = config.password(AwsKmsConfig.ASSUME_ROLE_EXTERNAL_ID);
        String session = config.getString(AwsKmsConfig.ASSUME_ROLE_SESSION_NAME);
        role = StsAssumeRoleCredentialsProvider.builder()
            .stsClient(stsClient)
            .refreshRequest(r -> r.roleArn(roleArn).roleSessionName(session)
                .externalId(externalId))
            .build();
        credentials = role;
      }
      KmsClientBuilder kb = KmsClient.builder().httpClient(http).credentialsProvider(credentials)
          .overrideConfiguration(overrides);
      if (regionSetting != null) {
        kb.region(Region.of(regionSetting));
      }
      if (endpoint != null) {
        kb.endpointOverride(URI.create(endpoint));
      }
      kmsClient = kb.build();
    } catch (SdkClientException e) {
      // the SDK found no region (or another setting it needs) in config, environment or profile
      closeQuietly(role, stsClient, kmsClient, baseCredentials, http);
      throw new ConfigException("aws-kms could not build its KMS client (set "
          + AwsKmsConfig.REGION + "?): " + e.getMessage());
    }
    this.sts = stsClient;
    this.roleCredentials = role;
    this.kms = kmsClient;
  }

  /** The KMS client, signing with the configured (or assumed-role) credentials. */
  KmsClient kms() {
    return kms;
  }

  /** The region the KMS client resolved: the configured one, else the SDK's default chain's. */
  String region() {
    return kms.serviceClientConfiguration().region().id();
  }

  /** Where the credentials come from, for {@code describe()}: never the credentials themselves. */
  String credentialsKind() {
    return credentialsKind;
  }

  private static RetryStrategy retryStrategy(AwsKmsConfig config) {
    return AwsRetryStrategy.standardRetryStrategy().toBuilder()
        .maxAttempts(config.getInt(AwsKmsConfig.MAX_ATTEMPTS))
        .backoffStrategy(BackoffStrategy.exponentialDelay(
            Duration.ofMillis(config.getInt(AwsKmsConfig.RETRY_BACKOFF_MS)), MAX_BACKOFF))
        .throttlingBackoffStrategy(BackoffStrategy.exponentialDelay(
            Duration.ofMillis(config.getInt(AwsKmsConfig.RETRY_THROTTLING_BACKOFF_MS)),
            MAX_BACKOFF))
        .build();
  }

  private static AwsCredentialsProvider baseCredentials(AwsKmsConfig config) {
    String keyId = config.password(AwsKmsConfig.ACCESS_KEY_ID);
    if (keyId != null) {
      String secret = config.password(AwsKmsConfig.SECRET_ACCESS_KEY);
      String token = config.password(AwsKmsConfig.SESSION_TOKEN);
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

  private static String credentialsKind(AwsKmsConfig config) {
    if (config.password(AwsKmsConfig.ACCESS_KEY_ID) != null) {
      return "static";
    }
    String profile = config.getString(AwsKmsConfig.PROFILE);
    return profile != null ? "profile " + profile : "default chain";
  }

  /** Marks "no credentials could be resolved", which is a setup problem rather than an outage. */
  static final class CredentialsUnavailable extends RuntimeException {
    private static final long serialVersionUID = 1L;

    CredentialsUnavailable(RuntimeException cause) {
      super("AWS credentials could not be resolved", cause);
    }
  }

  private static AwsCredentialsProvider tagFailures(AwsCredentialsProvider delegate) {
    return new AwsCredentialsProvider() {
      @Override
      public AwsCredentials resolveCredentials() {
        try {
          return delegate.resolveCredentials();
        } catch (RuntimeException e) {
          throw SdkClientException.create("AWS credentials could not be resolved: "
              + e.getMessage(), new CredentialsUnavailable(e));
        }
      }

      @Override
      public String toString() {
        return delegate.toString();
      }
    };
  }

  @Override
  public void close() {
    closeQuietly(kms, roleCredentials, sts, baseCredentials, http);
  }

  private static void closeQuietly(Object... resources) {
    for (Object r : resources) {
      if (r instanceof AutoCloseable) {
        try {
          ((AutoCloseable) r).close();
        } catch (Exception ignored) {
          // releasing connections and refresh threads only
        }
      }
    }
  }
}
