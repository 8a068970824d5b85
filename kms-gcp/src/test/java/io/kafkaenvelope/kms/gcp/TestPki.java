package io.kafkaenvelope.kms.gcp;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.Date;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
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

/** A throw-away CA and a server certificate for 127.0.0.1, written as PEM files. */
final class TestPki {

  final Path caFile;
  final Path serverCertFile;
  final Path serverKeyFile;
  private final X509Certificate ca;
  private final X509Certificate server;
  private final KeyPair serverKeys;

  TestPki(Path dir) throws Exception {
    KeyPair caKeys = ec();
    ca = sign("CN=gcp-kms-test-ca", caKeys, "CN=gcp-kms-test-ca", caKeys, true);
    serverKeys = ec();
    server = sign("CN=127.0.0.1", serverKeys, "CN=gcp-kms-test-ca", caKeys,
        false);
    caFile = write(dir.resolve("ca.pem"), "CERTIFICATE", ca.getEncoded());
    serverCertFile = write(dir.resolve("server.pem"), "CERTIFICATE", server.getEncoded());
    serverKeyFile = write(dir.resolve("server.key"), "PRIVATE KEY",
        serverKeys.getPrivate().getEncoded());
  }

  /** A server TLS context with the 127.0.0.1 certificate (for an HTTPS server). */
  SSLContext serverContext() throws Exception {
    char[] pw = "x".toCharArray();
    KeyStore ks = KeyStore.getInstance("PKCS12");
    ks.load(null, null);
    ks.setKeyEntry("server", serverKeys.getPrivate(), pw, new Certificate[] {server, ca});
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(ks, pw);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(kmf.getKeyManagers(), null, null);
    return ctx;
  }

  /** A client TLS context that trusts this CA only. */
  SSLContext clientContext() throws Exception {
    KeyStore ts = KeyStore.getInstance("PKCS12");
    ts.load(null, null);
    ts.setCertificateEntry("ca", ca);
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(
        TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(ts);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, tmf.getTrustManagers(), null);
    return ctx;
  }

  static String pem(String type, byte[] der) {
    return "-----BEGIN " + type + "-----\n"
        + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
        + "\n-----END " + type + "-----\n";
  }

  private static Path write(Path file, String type, byte[] der) throws Exception {
    return Files.writeString(file, pem(type, der), StandardCharsets.US_ASCII);
  }

  private static KeyPair ec() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(256);
    return g.generateKeyPair();
  }

  private static X509Certificate sign(String subject, KeyPair subjectKeys, String issuer,
      KeyPair issuerKeys, boolean isCa) throws Exception {
    long now = System.currentTimeMillis();
    X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(new X500Name(issuer),
        BigInteger.valueOf(now ^ subject.hashCode()).abs(), new Date(now - 60_000),
        new Date(now + 86_400_000L), new X500Name(subject), subjectKeys.getPublic());
    b.addExtension(Extension.basicConstraints, true, new BasicConstraints(isCa));
    if (!isCa) {
      b.addExtension(Extension.subjectAlternativeName, false,
          new GeneralNames(new GeneralName(GeneralName.iPAddress, "127.0.0.1")));
    }
    return new JcaX509CertificateConverter().getCertificate(
        b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKeys.getPrivate())));
  }
}
