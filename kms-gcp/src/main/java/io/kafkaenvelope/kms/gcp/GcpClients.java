package io.kafkaenvelope.kms.gcp;

import com.google.api.gax.core.CredentialsProvider;
import com.google.api.gax.core.FixedCredentialsProvider;
import com.google.api.gax.core.NoCredentialsProvider;
import com.google.api.gax.grpc.GrpcTransportChannel;
import com.google.api.gax.retrying.RetrySettings;
import com.google.api.gax.rpc.FixedTransportChannelProvider;
import com.google.api.gax.rpc.StatusCode;
import com.google.auth.oauth2.ExternalAccountCredentials;
import com.google.auth.oauth2.GoogleCredentials;
import com.google.auth.oauth2.ServiceAccountCredentials;
import com.google.cloud.kms.v1.KeyManagementServiceClient;
import com.google.cloud.kms.v1.KeyManagementServiceSettings;
import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.TlsChannelCredentials;
import java.io.ByteArrayInputStream;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.config.ConfigException;

/**
 * The Google client wiring behind {@link GcpKms}: credentials (Application Default Credentials, a
 * service-account key file, or a workload identity federation file), the endpoint and its TLS
 * trust (or plaintext to a loopback emulator), per-attempt deadlines, the overall operation
 * timeout and gax's retry policy (exponential backoff with jitter on RESOURCE_EXHAUSTED,
 * UNAVAILABLE, DEADLINE_EXCEEDED and INTERNAL; nothing else retried). It owns the client (and the
 * channel, when it builds one) and releases both on {@link #close()}.
 */
final class GcpClients implements AutoCloseable {

  /** The codes gax retries; every other code fails the operation on its first answer. */
  static final Set<StatusCode.Code> RETRYABLE = Set.of(StatusCode.Code.RESOURCE_EXHAUSTED,
      StatusCode.Code.UNAVAILABLE, StatusCode.Code.DEADLINE_EXCEEDED, StatusCode.Code.INTERNAL);

  private final KeyManagementServiceClient client;
  private final ManagedChannel channel;
  private final String credentialsKind;
  private final String endpoint;

  GcpClients(GcpKmsConfig config) {
    String override = config.getString(GcpKmsConfig.ENDPOINT);
    this.endpoint = override != null ? override : GcpKmsConfig.DEFAULT_ENDPOINT;
    String caFile = config.getString(GcpKmsConfig.TLS_CA_FILE);
    KeyManagementServiceSettings.Builder b = KeyManagementServiceSettings.newBuilder();
    Credentials creds = credentials(config);
    this.credentialsKind = creds.kind;
    b.setCredentialsProvider(creds.provider);
    ManagedChannel ch = null;
    if (config.plaintext() || caFile != null) {
      // our own channel: plaintext to a loopback emulator, or TLS with the configured CA only
      ch = Grpc.newChannelBuilderForAddress(GcpKmsConfig.host(endpoint),
          GcpKmsConfig.port(endpoint), channelCredentials(config.plaintext(), caFile)).build();
      b.setTransportChannelProvider(
          FixedTransportChannelProvider.create(GrpcTransportChannel.create(ch)));
    } else if (override != null) {
      b.setEndpoint(override);
    }
    RetrySettings retry = retrySettings(config);
    b.encryptSettings().setRetrySettings(retry).setRetryableCodes(RETRYABLE);
    b.decryptSettings().setRetrySettings(retry).setRetryableCodes(RETRYABLE);
    b.getCryptoKeySettings().setRetrySettings(retry).setRetryableCodes(RETRYABLE);
    try {
      this.client = KeyManagementServiceClient.create(b.build());
    } catch (IOException | RuntimeException e) {
      if (ch != null) {
        ch.shutdownNow();
      }
      throw new ConfigException("gcp-kms could not build its Cloud KMS client (credentials: "
          + credentialsKind + "; without " + GcpKmsConfig.CREDENTIALS_FILE + ", Application "
          + "Default Credentials must be available): " + e.getClass().getSimpleName() + ": "
          + e.getMessage());
    }
    this.channel = ch;
  }

  KeyManagementServiceClient client() {
    return client;
  }

  String endpoint() {
    return endpoint;
  }

  /** Where the credentials come from, for {@code describe()}: never the credentials themselves. */
  String credentialsKind() {
    return credentialsKind;
  }

  static RetrySettings retrySettings(GcpKmsConfig config) {
    Duration rpc = Duration.ofMillis(config.getInt(GcpKmsConfig.RPC_TIMEOUT_MS));
    return RetrySettings.newBuilder()
        .setMaxAttempts(config.getInt(GcpKmsConfig.MAX_ATTEMPTS))
        .setInitialRetryDelayDuration(
            Duration.ofMillis(config.getInt(GcpKmsConfig.RETRY_BACKOFF_MS)))
        .setRetryDelayMultiplier(2.0)
        .setMaxRetryDelayDuration(
            Duration.ofMillis(config.getInt(GcpKmsConfig.RETRY_MAX_BACKOFF_MS)))
        .setInitialRpcTimeoutDuration(rpc)
        .setRpcTimeoutMultiplier(1.0)
        .setMaxRpcTimeoutDuration(rpc)
        .setTotalTimeoutDuration(
            Duration.ofMillis(config.getInt(GcpKmsConfig.API_CALL_TIMEOUT_MS)))
        .build();
  }

  private static ChannelCredentials channelCredentials(boolean plaintext, String caFile) {
    if (plaintext) {
      return InsecureChannelCredentials.create();
    }
    try {
      return TlsChannelCredentials.newBuilder().trustManager(new File(caFile)).build();
    } catch (IOException | RuntimeException e) {
      throw new ConfigException(GcpKmsConfig.TLS_CA_FILE, caFile,
          "not a readable PEM file of CA certificates: " + e.getMessage());
    }
  }

  private static final class Credentials {
    final CredentialsProvider provider;
    final String kind;

    Credentials(CredentialsProvider provider, String kind) {
      this.provider = provider;
      this.kind = kind;
    }
  }

  private static Credentials credentials(GcpKmsConfig config) {
    if (config.plaintext()) {
      return new Credentials(NoCredentialsProvider.create(), "none (plaintext emulator)");
    }
    String file = config.getString(GcpKmsConfig.CREDENTIALS_FILE);
    if (file == null) {
      // gax's own provider: ADC, scoped, with self-signed JWTs for service accounts
      return new Credentials(KeyManagementServiceSettings.defaultCredentialsProviderBuilder()
          .build(), "application default");
    }
    byte[] json;
    try {
      json = Files.readAllBytes(Path.of(file));
    } catch (IOException | RuntimeException e) {
      throw new ConfigException(GcpKmsConfig.CREDENTIALS_FILE, file,
          "cannot be read: " + e.getClass().getSimpleName());
    }
    String type = credentialType(json, file);
    try {
      GoogleCredentials c;
      String kind;
      if ("service_account".equals(type)) {
        ServiceAccountCredentials sa = ServiceAccountCredentials.fromStream(
            new ByteArrayInputStream(json));
        // as gax does for ADC service accounts: a self-signed JWT, no token endpoint round trip
        c = ((ServiceAccountCredentials) sa.createScoped(
            KeyManagementServiceSettings.getDefaultServiceScopes()))
            .createWithUseJwtAccessWithScope(true);
        kind = "service account " + sa.getClientEmail();
      } else if ("external_account".equals(type)) {
        c = ExternalAccountCredentials.fromStream(new ByteArrayInputStream(json))
            .createScoped(KeyManagementServiceSettings.getDefaultServiceScopes());
        kind = "workload identity federation";
      } else {
        throw new ConfigException(GcpKmsConfig.CREDENTIALS_FILE, file, "has credential type '"
            + type + "'; expected service_account or external_account (use Application "
            + "Default Credentials for other kinds)");
      }
      return new Credentials(FixedCredentialsProvider.create(c), kind + " (" + file + ")");
    } catch (IOException | RuntimeException e) {
      if (e instanceof ConfigException) {
        throw (ConfigException) e;
      }
      // the library's message names the missing field, never a value
      throw new ConfigException(GcpKmsConfig.CREDENTIALS_FILE, file,
          "is not a valid " + type + " credentials file: " + e.getMessage());
    } finally {
      java.util.Arrays.fill(json, (byte) 0);
    }
  }

  /** The {@code "type"} of a credentials JSON file; its other fields are not looked at here. */
  private static String credentialType(byte[] json, String file) {
    try {
      JsonElement e = JsonParser.parseString(new String(json, StandardCharsets.UTF_8));
      JsonElement type = e.isJsonObject() ? e.getAsJsonObject().get("type") : null;
      if (type == null || !type.isJsonPrimitive()) {
        throw new ConfigException(GcpKmsConfig.CREDENTIALS_FILE, file,
            "is not a Google credentials file (no \"type\" field)");
      }
      return type.getAsString();
    } catch (RuntimeException e) {
      if (e instanceof ConfigException) {
        throw (ConfigException) e;
      }
      // never the parser's message: it may quote the file's content
      throw new ConfigException(GcpKmsConfig.CREDENTIALS_FILE, file, "is not valid JSON");
    }
  }

  @Override
  public void close() {
    client.close();
    try {
      client.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (channel != null) {
      channel.shutdownNow();
    }
  }
}
