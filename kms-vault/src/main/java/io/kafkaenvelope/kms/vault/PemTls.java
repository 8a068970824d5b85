package io.kafkaenvelope.kms.vault;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.apache.kafka.common.config.ConfigException;

/**
 * Builds the client's {@link SSLContext} from PEM files, the format Vault operators already have
 * (no keystore conversion). Server certificates are always verified, against the given CA bundle
 * or else the JVM's trust store, and the JDK HTTP client checks the host name: there is
 * deliberately no way to trust everything.
 */
final class PemTls {

  private static final String BEGIN_PKCS8 = "-----BEGIN PRIVATE KEY-----";
  private static final String END_PKCS8 = "-----END PRIVATE KEY-----";

  private PemTls() {}

  static SSLContext context(String caFile, String certFile, String keyFile) {
    try {
      TrustManagerFactory tmf =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      if (caFile != null) {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        List<Certificate> cas = certificates(VaultTransitConfig.TLS_CA_FILE, caFile);
        for (int i = 0; i < cas.size(); i++) {
          trust.setCertificateEntry("ca-" + i, cas.get(i));
        }
        tmf.init(trust);
      } else {
        tmf.init((KeyStore) null);
      }
      KeyManager[] kms = null;
      if (certFile != null) {
        List<Certificate> chain = certificates(VaultTransitConfig.TLS_CLIENT_CERT_FILE, certFile);
        PrivateKey key = privateKey(keyFile);
        char[] pass = new char[0]; // in-memory store only
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("client", key, pass, chain.toArray(new Certificate[0]));
        KeyManagerFactory kmf =
            KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, pass);
        kms = kmf.getKeyManagers();
      }
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(kms, tmf.getTrustManagers(), null);
      return ctx;
    } catch (GeneralSecurityException | IOException e) {
      throw new ConfigException("vault-transit could not set up TLS: " + e.getMessage());
    }
  }

  private static List<Certificate> certificates(String setting, String file) {
    try {
      byte[] pem = Files.readAllBytes(Path.of(file));
      Collection<? extends Certificate> certs = CertificateFactory.getInstance("X.509")
          .generateCertificates(new ByteArrayInputStream(pem));
      if (certs.isEmpty()) {
        throw new ConfigException(setting, file, "no PEM certificate in the file");
      }
      return new ArrayList<>(certs);
    } catch (IOException | GeneralSecurityException e) {
      throw new ConfigException(setting, file, "not a readable PEM certificate file: "
          + e.getClass().getSimpleName());
    }
  }

  private static PrivateKey privateKey(String file) {
    String setting = VaultTransitConfig.TLS_CLIENT_KEY_FILE;
    String pem;
    try {
      pem = Files.readString(Path.of(file), StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new ConfigException(setting, file, "cannot read: " + e.getClass().getSimpleName());
    }
    int begin = pem.indexOf(BEGIN_PKCS8);
    int end = pem.indexOf(END_PKCS8);
    if (begin < 0 || end < begin) {
      // never echo the file's content: it is a private key
      throw new ConfigException(setting, file, "expected an unencrypted PKCS#8 key (BEGIN "
          + "PRIVATE KEY); convert with 'openssl pkcs8 -topk8 -nocrypt -in key.pem'");
    }
    byte[] der = Base64.getMimeDecoder().decode(pem.substring(begin + BEGIN_PKCS8.length(), end));
    try {
      for (String alg : new String[] {"RSA", "EC", "Ed25519", "RSASSA-PSS"}) {
        try {
          return KeyFactory.getInstance(alg).generatePrivate(new PKCS8EncodedKeySpec(der));
        } catch (GeneralSecurityException tryNext) {
          // not this algorithm
        }
      }
      throw new ConfigException(setting, file, "PKCS#8 key of an unsupported algorithm");
    } finally {
      Arrays.fill(der, (byte) 0);
    }
  }
}
