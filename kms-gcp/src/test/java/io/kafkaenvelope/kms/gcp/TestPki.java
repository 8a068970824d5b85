package io.kafkaenvelope.kms.gcp;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.Date;
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

  TestPki(Path dir) throws Exception {
    KeyPair caKeys = ec();
    X509Certificate ca = sign("CN=gcp-kms-test-ca", caKeys, "CN=gcp-kms-test-ca", caKeys, true);
    KeyPair serverKeys = ec();
    X509Certificate server = sign("CN=127.0.0.1", serverKeys, "CN=gcp-kms-test-ca", caKeys,
        false);
    caFile = write(dir.resolve("ca.pem"), "CERTIFICATE", ca.getEncoded());
    serverCertFile = write(dir.resolve("server.pem"), "CERTIFICATE", server.getEncoded());
    serverKeyFile = write(dir.resolve("server.key"), "PRIVATE KEY",
        serverKeys.getPrivate().getEncoded());
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
