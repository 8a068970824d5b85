package io.kafkaenvelope.kms.azure;

import java.io.File;
import java.util.List;
import java.util.Locale;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.ValidString;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.types.Password;

/** Settings of {@code envelope.kms.type=azure-keyvault}. */
public final class AzureKeyVaultConfig extends AbstractConfig {

  static final String P = "envelope.kms.azure.";

  public static final String CREDENTIAL = P + "credential";
  public static final String TENANT_ID = P + "tenant.id";
  public static final String CLIENT_ID = P + "client.id";
  public static final String CLIENT_SECRET = P + "client.secret";
  public static final String CLIENT_CERTIFICATE_PATH = P + "client.certificate.path";
  public static final String CLIENT_CERTIFICATE_PASSWORD = P + "client.certificate.password";
  public static final String FEDERATED_TOKEN_FILE = P + "federated.token.file";
  public static final String AUTHORITY_HOST = P + "authority.host";
  public static final String CREDENTIAL_CLASS = P + "credential.class";
  public static final String INSTANCE_DISCOVERY = P + "instance.discovery";
  public static final String WRAP_ALGORITHM = P + "wrap.algorithm";
  public static final String TLS_CA_FILE = P + "tls.ca.file";
  public static final String CONNECT_TIMEOUT_MS = P + "connect.timeout.ms";
  public static final String REQUEST_TIMEOUT_MS = P + "request.timeout.ms";
  public static final String MAX_RETRIES = P + "max.retries";
  public static final String RETRY_BACKOFF_MS = P + "retry.backoff.ms";
  public static final String RETRY_MAX_BACKOFF_MS = P + "retry.max.backoff.ms";
  public static final String DISCOVERY_HOSTS = P + "discovery.hosts";
  public static final String VERIFY_CHALLENGE_RESOURCE = P + "verify.challenge.resource";
  public static final String RSA_WRITER_SIGNATURE = P + "rsa.writer.signature";

  /** Values of {@link #CREDENTIAL}. */
  static final String DEFAULT = "default";
  static final String MANAGED_IDENTITY = "managed-identity";
  static final String CLIENT_SECRET_KIND = "client-secret";
  static final String CLIENT_CERTIFICATE_KIND = "client-certificate";
  static final String WORKLOAD_IDENTITY = "workload-identity";
  static final String CUSTOM = "custom";

  /** Values of {@link #WRAP_ALGORITHM}. */
  static final String AUTO = "auto";

  static final ConfigDef DEF = new ConfigDef()
      .define(CREDENTIAL, Type.STRING, DEFAULT,
          ValidString.in(DEFAULT, MANAGED_IDENTITY, CLIENT_SECRET_KIND, CLIENT_CERTIFICATE_KIND,
              WORKLOAD_IDENTITY, CUSTOM), Importance.HIGH,
          "How the client gets Microsoft Entra tokens for Key Vault. 'default': Azure's "
              + "DefaultAzureCredential chain (environment variables, workload identity, managed "
              + "identity, Azure CLI, ...). 'managed-identity': the VM's, App Service's or AKS "
              + "pod's managed identity (user-assigned with " + CLIENT_ID + "). 'client-secret': "
              + "a service principal with " + TENANT_ID + ", " + CLIENT_ID + " and "
              + CLIENT_SECRET + ". 'client-certificate': a service principal with "
              + CLIENT_CERTIFICATE_PATH + ". 'workload-identity': AKS workload identity (a "
              + "federated token file; unset settings are read from AZURE_TENANT_ID, "
              + "AZURE_CLIENT_ID and AZURE_FEDERATED_TOKEN_FILE). 'custom': an instance of "
              + CREDENTIAL_CLASS + ".")
      .define(TENANT_ID, Type.STRING, null, Importance.MEDIUM,
          "Microsoft Entra tenant (directory) id. Needed by client-secret and client-certificate; "
              + "optional for default and workload-identity.")
      .define(CLIENT_ID, Type.STRING, null, Importance.MEDIUM,
          "Application (client) id of the service principal, or of a user-assigned managed "
              + "identity (managed-identity, default) or workload identity.")
      .define(CLIENT_SECRET, Type.PASSWORD, null, Importance.MEDIUM,
          "Client secret of the service principal (credential=client-secret). Never logged.")
      .define(CLIENT_CERTIFICATE_PATH, Type.STRING, null, Importance.MEDIUM,
          "PEM file (certificate and private key) or PFX/PKCS#12 file (.pfx, .p12) of the "
              + "service principal (credential=client-certificate).")
      .define(CLIENT_CERTIFICATE_PASSWORD, Type.PASSWORD, null, Importance.LOW,
          "Password of a PFX/PKCS#12 " + CLIENT_CERTIFICATE_PATH + ". Never logged.")
      .define(FEDERATED_TOKEN_FILE, Type.STRING, null, Importance.LOW,
          "Federated (Kubernetes service account) token file of credential=workload-identity; "
              + "unset: AZURE_FEDERATED_TOKEN_FILE.")
      .define(AUTHORITY_HOST, Type.STRING, null, Importance.LOW,
          "Microsoft Entra authority for sovereign clouds, e.g. "
              + "https://login.chinacloudapi.cn/; unset: the public cloud "
              + "(or AZURE_AUTHORITY_HOST).")
      .define(INSTANCE_DISCOVERY, Type.BOOLEAN, true, Importance.LOW,
          "Whether Microsoft Entra instance discovery (authority validation through "
              + "login.microsoftonline.com) runs before a token request. Turn off for Azure Stack "
              + "Hub, a private cloud, or an authority.host that discovery does not know.")
      .define(CREDENTIAL_CLASS, Type.CLASS, null, Importance.LOW,
          "With credential=custom: a class implementing com.azure.core.credential.TokenCredential "
              + "with a public no-argument constructor.")
      .define(WRAP_ALGORITHM, Type.STRING, AUTO,
          ValidString.in(AUTO, AzureWrappedKey.RSA_OAEP_256, AzureWrappedKey.A256KW),
          Importance.MEDIUM,
          "Key-wrap algorithm of new DEKs. 'auto': read the key's type once per KEK (needs the "
              + "'get' key permission) and use RSA-OAEP-256 for RSA and RSA-HSM keys, A256KW for "
              + "Managed HSM oct-HSM keys. Setting it saves that read. Unwrapping always uses the "
              + "algorithm recorded in the wrapped key.")
      .define(RSA_WRITER_SIGNATURE, Type.BOOLEAN, true, Importance.HIGH,
          "With an RSA key: producers have Key Vault sign (PS256, with the private key that "
              + "never leaves Key Vault) each wrapped DEK together with its encryption context "
              + "and key version, and consumers verify that signature with the key version's "
              + "public key (one GET per key version, cached) before any unwrapKey, refusing "
              + "unsigned or badly signed RSA-wrapped DEKs as INVALID_CIPHERTEXT. Without it "
              + "anyone who can read the key's public part can wrap a DEK of their choosing "
              + "and write records consumers accept. Producers need the 'sign' key permission "
              + "(plus 'wrapKey'), consumers 'get' (plus 'unwrapKey'). false: no signature is "
              + "made or checked (producers need only wrapKey, consumers only unwrapKey) and an "
              + "RSA KEK no longer authenticates the writer; set it the same on producers and "
              + "consumers. No effect on Managed HSM oct-HSM (A256KW) keys, whose wrapping "
              + "already needs the secret key.")
      .define(TLS_CA_FILE, Type.STRING, null, Importance.LOW,
          "PEM file of the CA certificates to trust for Key Vault and Entra connections instead "
              + "of the JDK's trust store (a TLS-inspecting proxy, a test server).")
      .define(CONNECT_TIMEOUT_MS, Type.INT, 2_000, Range.between(1, 60_000), Importance.LOW,
          "TCP and TLS connect timeout per attempt.")
      .define(REQUEST_TIMEOUT_MS, Type.INT, 5_000, Range.between(1, 120_000), Importance.LOW,
          "Time to wait for a response per attempt.")
      .define(MAX_RETRIES, Type.INT, 3, Range.between(0, 10), Importance.LOW,
          "Retries after the first attempt on throttling (429), 408, 5xx and network errors; "
              + "never on 400, 401, 403 or 404.")
      .define(RETRY_BACKOFF_MS, Type.INT, 200, Range.between(1, 60_000), Importance.LOW,
          "Base of the exponential backoff between retries (with jitter: between half and all of "
              + "base * 2^retry).")
      .define(RETRY_MAX_BACKOFF_MS, Type.INT, 5_000, Range.between(1, 120_000), Importance.LOW,
          "Longest wait before a retry, also for a server's Retry-After. A call takes at most "
              + "about (max.retries + 1) * request.timeout.ms + max.retries * "
              + "retry.max.backoff.ms.")
      .define(DISCOVERY_HOSTS, Type.LIST, List.of(), Importance.MEDIUM,
          "Discovery filter: with envelope.kek.discovery=true, only KEKs in these vaults or "
              + "Managed HSMs (host names, e.g. orders.vault.azure.net) are tried. Empty: no "
              + "filter.")
      .define(VERIFY_CHALLENGE_RESOURCE, Type.BOOLEAN, true, Importance.LOW,
          "Whether the resource of Key Vault's authentication challenge must be a parent domain "
              + "of the key's host, so a server elsewhere cannot obtain a Key Vault token. Turn "
              + "off only for a test server on another host name.");

  AzureKeyVaultConfig(java.util.Map<String, ?> configs) {
    super(DEF, configs, false);
    String kind = getString(CREDENTIAL);
    if (CLIENT_SECRET_KIND.equals(kind)) {
      require(kind, TENANT_ID, getString(TENANT_ID));
      require(kind, CLIENT_ID, getString(CLIENT_ID));
      require(kind, CLIENT_SECRET, password(CLIENT_SECRET));
    } else if (CLIENT_CERTIFICATE_KIND.equals(kind)) {
      require(kind, TENANT_ID, getString(TENANT_ID));
      require(kind, CLIENT_ID, getString(CLIENT_ID));
      String path = require(kind, CLIENT_CERTIFICATE_PATH, getString(CLIENT_CERTIFICATE_PATH));
      if (!new File(path).isFile()) {
        throw new ConfigException(CLIENT_CERTIFICATE_PATH, path, "no such file");
      }
    } else if (CUSTOM.equals(kind)) {
      if (getClass(CREDENTIAL_CLASS) == null) {
        throw new ConfigException(CREDENTIAL + "=custom needs " + CREDENTIAL_CLASS);
      }
    }
    if (!CLIENT_SECRET_KIND.equals(kind) && password(CLIENT_SECRET) != null) {
      throw new ConfigException(CLIENT_SECRET + " is set but " + CREDENTIAL + "=" + kind
          + " does not use it; set " + CREDENTIAL + "=client-secret or remove it");
    }
    if (!CLIENT_CERTIFICATE_KIND.equals(kind) && getString(CLIENT_CERTIFICATE_PATH) != null) {
      throw new ConfigException(CLIENT_CERTIFICATE_PATH + " is set but " + CREDENTIAL + "="
          + kind + " does not use it; set " + CREDENTIAL + "=client-certificate or remove it");
    }
    if (!CUSTOM.equals(kind) && getClass(CREDENTIAL_CLASS) != null) {
      throw new ConfigException(CREDENTIAL_CLASS + " needs " + CREDENTIAL + "=custom");
    }
    String ca = getString(TLS_CA_FILE);
    if (ca != null && !new File(ca).isFile()) {
      throw new ConfigException(TLS_CA_FILE, ca, "no such file");
    }
    for (String host : getList(DISCOVERY_HOSTS)) {
      if (!host.matches("[A-Za-z0-9.-]+(:[0-9]{1,5})?")) {
        throw new ConfigException(DISCOVERY_HOSTS, host,
            "expected host names such as orders.vault.azure.net");
      }
    }
  }

  private static String require(String kind, String name, String value) {
    if (value == null || value.isBlank()) {
      throw new ConfigException(CREDENTIAL + "=" + kind + " needs " + name);
    }
    return value;
  }

  /** The discovery filter's hosts, lower case; empty when there is no filter. */
  List<String> discoveryHosts() {
    return getList(DISCOVERY_HOSTS).stream().map(h -> h.toLowerCase(Locale.ROOT)).toList();
  }

  String password(String name) {
    Password p = getPassword(name);
    return p == null ? null : p.value();
  }
}
