package io.kafkaenvelope.kms.azure;

import com.azure.core.credential.TokenCredential;
import com.azure.core.http.HttpClient;
import com.azure.core.http.jdk.httpclient.JdkHttpClientBuilder;
import com.azure.core.http.policy.RetryPolicy;
import com.azure.core.util.ClientOptions;
import com.azure.identity.ClientCertificateCredentialBuilder;
import com.azure.identity.ClientSecretCredentialBuilder;
import com.azure.identity.DefaultAzureCredentialBuilder;
import com.azure.identity.ManagedIdentityCredentialBuilder;
import com.azure.identity.WorkloadIdentityCredentialBuilder;
import com.azure.security.keyvault.keys.cryptography.CryptographyClient;
import com.azure.security.keyvault.keys.cryptography.CryptographyClientBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.Collection;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.apache.kafka.common.config.ConfigException;

/**
 * Builds the Azure SDK side: the Microsoft Entra credential, one HTTP client (the JDK's
 * {@code java.net.http} client through azure-core-http-jdk-httpclient: no Netty, no OkHttp, no
 * Kotlin in a serializer's class path), the bounded retry policy, and one {@link
 * CryptographyClient} per key URL (with and without version), sharing all of these.
 *
 * <p>Every client is built with {@code disableKeyCaching()}: otherwise the SDK first reads the key
 * and, for an RSA key, wraps locally with its public key. We want each wrap to be a Key Vault
 * operation: it is authorized and audited there, and a disabled key stops new DEKs at once.
 */
final class AzureClients implements AutoCloseable {

  /** More distinct key URLs than this (a discovery consumer fed hostile ids) empties the cache. */
  private static final int MAX_CLIENTS = 256;

  private final TokenCredential credential;
  private final String credentialKind;
  private final HttpClient http;
  private final RetryPolicy retry;
  private final boolean verifyChallenge;
  private final Map<String, CryptographyClient> clients = new ConcurrentHashMap<>();

  AzureClients(AzureKeyVaultConfig config) {
    this.http = httpClient(config);
    this.retry = new AzureRetry(config.getInt(AzureKeyVaultConfig.MAX_RETRIES),
        config.getInt(AzureKeyVaultConfig.RETRY_BACKOFF_MS),
        config.getInt(AzureKeyVaultConfig.RETRY_MAX_BACKOFF_MS)).policy();
    this.verifyChallenge = config.getBoolean(AzureKeyVaultConfig.VERIFY_CHALLENGE_RESOURCE);
    this.credentialKind = config.getString(AzureKeyVaultConfig.CREDENTIAL);
    this.credential = credential(config, http);
  }

  String credentialKind() {
    return credentialKind;
  }

  /** The client of one key URL (versionless: the key's current version). */
  CryptographyClient crypto(AzureKeyUrl url) {
    String key = url.toString();
    CryptographyClient c = clients.get(key);
    if (c != null) {
      return c;
    }
    if (clients.size() >= MAX_CLIENTS) {
      clients.clear();
    }
    return clients.computeIfAbsent(key, this::build);
  }

  private CryptographyClient build(String keyUrl) {
    CryptographyClientBuilder b = new CryptographyClientBuilder()
        .keyIdentifier(keyUrl)
        .credential(credential)
        .httpClient(http)
        .retryPolicy(retry)
        .addPolicy(new DropContentLength())
        .clientOptions(new ClientOptions().setApplicationId("kafka-envelope"))
        .disableKeyCaching();
    if (!verifyChallenge) {
      b.disableChallengeResourceVerification();
    }
    return b.buildClient();
  }

  private static HttpClient httpClient(AzureKeyVaultConfig config) {
    java.net.http.HttpClient.Builder jdk = java.net.http.HttpClient.newBuilder();
    String ca = config.getString(AzureKeyVaultConfig.TLS_CA_FILE);
    if (ca != null) {
      jdk.sslContext(trusting(ca));
    }
    Duration connect = Duration.ofMillis(config.getInt(AzureKeyVaultConfig.CONNECT_TIMEOUT_MS));
    Duration response = Duration.ofMillis(config.getInt(AzureKeyVaultConfig.REQUEST_TIMEOUT_MS));
    return new JdkHttpClientBuilder(jdk).connectionTimeout(connect).responseTimeout(response)
        .readTimeout(response).writeTimeout(response).build();
  }

  /** A TLS context that trusts exactly the certificates of a PEM file. */
  static SSLContext trusting(String pemFile) {
    try (InputStream in = Files.newInputStream(Path.of(pemFile))) {
      Collection<? extends Certificate> certs =
          CertificateFactory.getInstance("X.509").generateCertificates(in);
      if (certs.isEmpty()) {
        throw new ConfigException(AzureKeyVaultConfig.TLS_CA_FILE, pemFile,
            "no PEM certificate in the file");
      }
      KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
      ks.load(null, null);
      int i = 0;
      for (Certificate c : certs) {
        ks.setCertificateEntry("ca-" + i++, c);
      }
      TrustManagerFactory tmf =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(ks);
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(null, tmf.getTrustManagers(), null);
      return ctx;
    } catch (IOException | GeneralSecurityException e) {
      throw new ConfigException(AzureKeyVaultConfig.TLS_CA_FILE, pemFile,
          "cannot read PEM certificates: " + e.getMessage());
    }
  }

  private static TokenCredential credential(AzureKeyVaultConfig config, HttpClient http) {
    String tenant = config.getString(AzureKeyVaultConfig.TENANT_ID);
    String clientId = config.getString(AzureKeyVaultConfig.CLIENT_ID);
    String authority = config.getString(AzureKeyVaultConfig.AUTHORITY_HOST);
    boolean discovery = config.getBoolean(AzureKeyVaultConfig.INSTANCE_DISCOVERY);
    switch (config.getString(AzureKeyVaultConfig.CREDENTIAL)) {
      case AzureKeyVaultConfig.MANAGED_IDENTITY: {
        ManagedIdentityCredentialBuilder b =
            new ManagedIdentityCredentialBuilder().httpClient(http);
        if (clientId != null) {
          b.clientId(clientId);
        }
        return b.build();
      }
      case AzureKeyVaultConfig.CLIENT_SECRET_KIND: {
        ClientSecretCredentialBuilder b = new ClientSecretCredentialBuilder().httpClient(http)
            .tenantId(tenant).clientId(clientId)
            .clientSecret(config.password(AzureKeyVaultConfig.CLIENT_SECRET));
        if (authority != null) {
          b.authorityHost(authority);
        }
        if (!discovery) {
          b.disableInstanceDiscovery();
        }
        return b.build();
      }
      case AzureKeyVaultConfig.CLIENT_CERTIFICATE_KIND: {
        String path = config.getString(AzureKeyVaultConfig.CLIENT_CERTIFICATE_PATH);
        ClientCertificateCredentialBuilder b = new ClientCertificateCredentialBuilder()
            .httpClient(http).tenantId(tenant).clientId(clientId);
        String lower = path.toLowerCase(Locale.ROOT);
        if (lower.endsWith(".pfx") || lower.endsWith(".p12")) {
          b.pfxCertificate(path);
          String pw = config.password(AzureKeyVaultConfig.CLIENT_CERTIFICATE_PASSWORD);
          if (pw != null) {
            b.clientCertificatePassword(pw);
          }
        } else {
          b.pemCertificate(path);
        }
        if (authority != null) {
          b.authorityHost(authority);
        }
        if (!discovery) {
          b.disableInstanceDiscovery();
        }
        return b.build();
      }
      case AzureKeyVaultConfig.WORKLOAD_IDENTITY: {
        WorkloadIdentityCredentialBuilder b = new WorkloadIdentityCredentialBuilder()
            .httpClient(http);
        if (tenant != null) {
          b.tenantId(tenant);
        }
        if (clientId != null) {
          b.clientId(clientId);
        }
        String file = config.getString(AzureKeyVaultConfig.FEDERATED_TOKEN_FILE);
        if (file != null) {
          b.tokenFilePath(file);
        }
        if (authority != null) {
          b.authorityHost(authority);
        }
        if (!discovery) {
          b.disableInstanceDiscovery();
        }
        return b.build();
      }
      case AzureKeyVaultConfig.CUSTOM:
        return custom(config.getClass(AzureKeyVaultConfig.CREDENTIAL_CLASS));
      default: {
        DefaultAzureCredentialBuilder b = new DefaultAzureCredentialBuilder().httpClient(http);
        if (tenant != null) {
          b.tenantId(tenant);
        }
        if (clientId != null) {
          b.managedIdentityClientId(clientId).workloadIdentityClientId(clientId);
        }
        if (authority != null) {
          b.authorityHost(authority);
        }
        if (!discovery) {
          b.disableInstanceDiscovery();
        }
        return b.build();
      }
    }
  }

  private static TokenCredential custom(Class<?> type) {
    if (!TokenCredential.class.isAssignableFrom(type)) {
      throw new ConfigException(AzureKeyVaultConfig.CREDENTIAL_CLASS, type.getName(),
          "does not implement " + TokenCredential.class.getName());
    }
    try {
      return (TokenCredential) type.getDeclaredConstructor().newInstance();
    } catch (ReflectiveOperationException e) {
      throw new ConfigException(AzureKeyVaultConfig.CREDENTIAL_CLASS, type.getName(),
          "needs a public no-argument constructor: " + e);
    }
  }

  @Override
  public void close() {
    clients.clear(); // the JDK HTTP client has no close() before Java 21; its threads are daemons
  }
}
