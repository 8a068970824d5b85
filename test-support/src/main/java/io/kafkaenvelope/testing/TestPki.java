package io.kafkaenvelope.testing;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.Date;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A throw-away CA (EC P-256, valid for a day) with a server certificate for {@code 127.0.0.1} and
 * {@code localhost} and a client certificate, for the loopback TLS servers that stand in for a
 * KMS (Vault, Cloud KMS, Key Vault): the real client code then runs its real TLS checks against a
 * CA it was told to trust, and refuses one it was not.
 */
public final class TestPki {

  public final KeyPair caKeys;
  public final X509Certificate ca;
  public final KeyPair serverKeys;
  public final X509Certificate server;
  public final KeyPair clientKeys;
  public final X509Certificate client;

  public TestPki(String caName) throws Exception {
    X500Name issuer = new X500Name("CN=" + caName);
    caKeys = ec();
    ca = sign(issuer, caKeys, issuer, caKeys, true, false);
    serverKeys = ec();
    server = sign(new X500Name("CN=127.0.0.1"), serverKeys, issuer, caKeys, false, true);
    clientKeys = ec();
    client = sign(new X500Name("CN=kafka-client"), clientKeys, issuer, caKeys, false, false);
  }

  /**
   * The server's TLS context: the server certificate and chain, trusting this CA for client
   * certificates (a server asks for them only if it is set to).
   */
  public SSLContext serverContext() throws Exception {
    char[] pw = "x".toCharArray();
    KeyStore ks = KeyStore.getInstance("PKCS12");
    ks.load(null, null);
    ks.setKeyEntry("server", serverKeys.getPrivate(), pw, new Certificate[] {server, ca});
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(ks, pw);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(kmf.getKeyManagers(), trustThisCa(), null);
    return ctx;
  }

  /** A client TLS context that trusts this CA only. */
  public SSLContext clientContext() throws Exception {
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, trustThisCa(), null);
    return ctx;
  }

  /** Writes the CA certificate as PEM to {@code file}. */
  public Path writeCa(Path file) throws Exception {
    return writePem(file, "CERTIFICATE", ca.getEncoded());
  }

  /** Writes the server certificate as PEM to {@code file}. */
  public Path writeServerCert(Path file) throws Exception {
    return writePem(file, "CERTIFICATE", server.getEncoded());
  }

  /** Writes the server's private key as PKCS#8 PEM to {@code file}. */
  public Path writeServerKey(Path file) throws Exception {
    return writeKey(file, serverKeys.getPrivate());
  }

  public static String pem(String type, byte[] der) {
    return "-----BEGIN " + type + "-----\n"
        + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
        + "\n-----END " + type + "-----\n";
  }

  public static Path writePem(Path file, String type, byte[] der) throws Exception {
    return Files.writeString(file, pem(type, der), StandardCharsets.US_ASCII);
  }

  /** Writes {@code key} as PKCS#8 PEM ({@code PRIVATE KEY}). */
  public static Path writeKey(Path file, PrivateKey key) throws Exception {
    return writePem(file, "PRIVATE KEY", key.getEncoded());
  }

  private TrustManager[] trustThisCa() throws Exception {
    KeyStore ts = KeyStore.getInstance("PKCS12");
    ts.load(null, null);
    ts.setCertificateEntry("ca", ca);
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(ts);
    return tmf.getTrustManagers();
  }

  private static KeyPair ec() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(256);
    return g.generateKeyPair();
  }

  private static X509Certificate sign(X500Name subject, KeyPair subjectKeys, X500Name issuer,
      KeyPair issuerKeys, boolean isCa, boolean serverNames) throws Exception {
    long now = System.currentTimeMillis();
    X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(issuer,
        BigInteger.valueOf(now ^ subject.hashCode()).abs(), new Date(now - 60_000),
        new Date(now + 86_400_000L), subject, subjectKeys.getPublic());
    b.addExtension(Extension.basicConstraints, true, new BasicConstraints(isCa));
    if (serverNames) {
      b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(
          new GeneralName[] {new GeneralName(GeneralName.iPAddress, "127.0.0.1"),
              new GeneralName(GeneralName.dNSName, "localhost")}));
    }
    return new JcaX509CertificateConverter().getCertificate(
        b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKeys.getPrivate())));
  }
}
