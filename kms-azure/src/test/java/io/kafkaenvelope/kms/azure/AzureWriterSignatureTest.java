package io.kafkaenvelope.kms.azure;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkaenvelope.kms.DataKey;
import io.kafkaenvelope.kms.EncryptionContext;
import io.kafkaenvelope.kms.KeyManagementService;
import io.kafkaenvelope.kms.KmsException;
import io.kafkaenvelope.kms.KmsException.Reason;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The writer signature of RSA-wrapped DEKs ({@code envelope.kms.azure.rsa.writer.signature},
 * on by default), through the real Azure SDK against {@link FakeKeyVault}: Key Vault signs on the
 * producer, the consumer verifies locally with the key version's public key before unwrapKey.
 */
class AzureWriterSignatureTest {

  static FakeKeyVault kv;

  @BeforeAll
  static void start() throws Exception {
    kv = new FakeKeyVault(TestCredential.TOKEN);
    kv.createKey("signed", true);
    kv.createKey("other", true);
    kv.createKey("hsm", false);
  }

  @AfterAll
  static void stop() {
    kv.close();
  }

  @BeforeEach
  void reset() {
    kv.resetCounters();
    kv.deny(null);
  }

  private static KeyManagementService kms(Map<String, Object> overrides) {
    Map<String, Object> c = AzureKeyVaultKmsTest.config(kv);
    c.putAll(overrides);
    return new AzureKeyVaultProvider().create(c);
  }

  private static KeyManagementService producer() {
    return kms(Map.of("envelope.kms.azure.wrap.algorithm", "RSA-OAEP-256"));
  }

  private static KmsException refused(KeyManagementService k, String kek, byte[] wrapped,
      EncryptionContext ctx) {
    KmsException e = assertThrows(KmsException.class, () -> k.unwrap(kek, wrapped, ctx));
    assertEquals(Reason.INVALID_CIPHERTEXT, e.reason(), e.getMessage());
    return e;
  }

  @Test
  void oneWrapAndOneSignPerDekThenOneGetPerKeyVersionAndOneUnwrapPerDek() {
    String kek = kv.keyUrl("signed");
    EncryptionContext ctx = EncryptionContext.forDek(kek);
    List<DataKey> deks = new ArrayList<>();
    try (KeyManagementService p = producer()) {
      for (int i = 0; i < 5; i++) {
        deks.add(p.generateDataKey(kek, ctx));
      }
    }
    assertEquals(5, kv.calls("wrapkey"));
    assertEquals(5, kv.calls("sign"));
    assertEquals(0, kv.calls("get"));
    for (DataKey dk : deks) {
      AzureWrappedKey w = AzureWrappedKey.parse(dk.wrapped());
      assertEquals(AzureWrappedKey.SIGNED, dk.wrapped()[0]);
      assertEquals(256, w.signature.length, "PS256 with the 2048-bit key");
      assertEquals(dk.kekVersion(), w.version);
    }
    kv.resetCounters();
    try (KeyManagementService c = kms(Map.of())) {
      for (DataKey dk : deks) {
        assertArrayEquals(dk.plaintext(), c.unwrap(kek, dk.wrapped(), ctx));
      }
    }
    assertEquals(1, kv.calls("get"), "one public key read for the one key version");
    assertEquals(5, kv.calls("unwrapkey"));
    assertEquals(0, kv.calls("sign") + kv.calls("wrapkey"));
  }

  @Test
  void aTamperedSignatureOrWrappedKeyIsRefusedBeforeUnwrap() {
    String kek = kv.keyUrl("signed");
    EncryptionContext ctx = EncryptionContext.forDek(kek);
    DataKey dk;
    try (KeyManagementService p = producer()) {
      dk = p.generateDataKey(kek, ctx);
    }
    AzureWrappedKey w = AzureWrappedKey.parse(dk.wrapped());
    byte[] sig = w.signature.clone();
    sig[sig.length / 2] ^= 1;
    byte[] wrapped = w.wrapped.clone();
    wrapped[0] ^= 1;
    kv.resetCounters();
    try (KeyManagementService c = kms(Map.of())) {
      refused(c, kek, w.signed(sig).encode(), ctx);
      refused(c, kek, new AzureWrappedKey(w.algorithm, w.version, wrapped, w.signature).encode(),
          ctx);
      byte[] shortSig = Arrays.copyOf(w.signature, 255);
      refused(c, kek, w.signed(shortSig).encode(), ctx);
      assertEquals(0, kv.calls("unwrapkey"), "never sent to Key Vault");
      assertEquals(1, kv.calls("get"));
      assertArrayEquals(dk.plaintext(), c.unwrap(kek, dk.wrapped(), ctx), "the original still");
    }
  }

  @Test
  void aSignatureByAnotherKeyVaultKeyIsRefused() {
    String kek = kv.keyUrl("signed");
    EncryptionContext ctx = EncryptionContext.forDek(kek);
    DataKey dk;
    DataKey foreign;
    try (KeyManagementService p = producer()) {
      dk = p.generateDataKey(kek, ctx);
      foreign = p.generateDataKey(kv.keyUrl("other"), ctx);
    }
    AzureWrappedKey w = AzureWrappedKey.parse(dk.wrapped());
    // a writer allowed to sign with "other" signs exactly the right data
    byte[] byOther = kv.signAs("other", w.signedDigest(ctx));
    // and one reuses a signature "other" made in the course of its own DEK
    byte[] otherDeks = AzureWrappedKey.parse(foreign.wrapped()).signature;
    kv.resetCounters();
    try (KeyManagementService c = kms(Map.of())) {
      refused(c, kek, w.signed(byOther).encode(), ctx);
      refused(c, kek, w.signed(otherDeks).encode(), ctx);
      assertEquals(0, kv.calls("unwrapkey"));
    }
  }

  @Test
  void aSignatureOverAnotherContextIsRefused() {
    String kek = kv.keyUrl("signed");
    EncryptionContext ctx = EncryptionContext.forDek(kek);
    DataKey dk;
    try (KeyManagementService p = producer()) {
      dk = p.generateDataKey(kek, ctx);
    }
    kv.resetCounters();
    try (KeyManagementService c = kms(Map.of())) {
      // the same key spelt with a trailing slash: another KEK id, so another context
      refused(c, kek + "/", dk.wrapped(), EncryptionContext.forDek(kek + "/"));
      refused(c, kek, dk.wrapped(), EncryptionContext.of(Map.of(
          EncryptionContext.PURPOSE_KEY, "not-a-dek", EncryptionContext.KEK_KEY, kek)));
      assertEquals(0, kv.calls("unwrapkey"));
    }
  }

  @Test
  void aStrippedSignatureAndMalformedBlobsAreRefusedWithoutACall() {
    String kek = kv.keyUrl("signed");
    EncryptionContext ctx = EncryptionContext.forDek(kek);
    DataKey dk;
    try (KeyManagementService p = producer()) {
      dk = p.generateDataKey(kek, ctx);
    }
    byte[] blob = dk.wrapped();
    byte[] stripped = AzureWrappedKey.parse(blob).unsigned().encode();
    byte[] trailing = Arrays.copyOf(blob, blob.length + 1);
    byte[] truncated = Arrays.copyOf(blob, blob.length - 1);
    byte[] otherSigAlg = blob.clone();
    otherSigAlg[blob.length - 256 - 3] = 2;
    byte[] claimsA256kw = blob.clone();
    claimsA256kw[1] = 2;
    byte[] format3 = blob.clone();
    format3[0] = 3;
    for (byte[] bad : new byte[][] {trailing, truncated, otherSigAlg, claimsA256kw, format3}) {
      assertNull(AzureWrappedKey.parse(bad), "strict parsing");
    }
    kv.resetCounters();
    try (KeyManagementService c = kms(Map.of())) {
      KmsException e = refused(c, kek, stripped, ctx);
      assertTrue(e.getMessage().contains("no writer signature"), e.getMessage());
      for (byte[] bad : new byte[][] {trailing, truncated, otherSigAlg, claimsA256kw, format3}) {
        refused(c, kek, bad, ctx);
      }
      assertEquals(0, kv.calls("get") + kv.calls("unwrapkey"), "no Key Vault call at all");
    }
  }

  @Test
  void aSignedRsaBlobNamingAnOctHsmKeyIsRefused() {
    String kek = kv.keyUrl("signed");
    String hsm = kv.keyUrl("hsm");
    DataKey dk;
    try (KeyManagementService p = producer()) {
      dk = p.generateDataKey(kek, EncryptionContext.forDek(hsm));
    }
    AzureWrappedKey w = AzureWrappedKey.parse(dk.wrapped());
    byte[] renamed = new AzureWrappedKey(w.algorithm, kv.currentVersion("hsm"), w.wrapped,
        w.signature).encode();
    kv.resetCounters();
    try (KeyManagementService c = kms(Map.of())) {
      KmsException e = refused(c, hsm, renamed, EncryptionContext.forDek(hsm));
      assertTrue(e.getMessage().contains("oct-HSM"), e.getMessage());
      assertEquals(0, kv.calls("unwrapkey"));
    }
  }

  @Test
  void afterRotationEachVersionsRecordsVerifyUnderThatVersionsPublicKey() {
    kv.createKey("rotating", true);
    String kek = kv.keyUrl("rotating");
    EncryptionContext ctx = EncryptionContext.forDek(kek);
    DataKey v1;
    DataKey v2;
    try (KeyManagementService p = producer()) {
      v1 = p.generateDataKey(kek, ctx);
      kv.rotate("rotating");
      v2 = p.generateDataKey(kek, ctx);
    }
    assertEquals(kv.currentVersion("rotating"), v2.kekVersion());
    kv.resetCounters();
    try (KeyManagementService c = kms(Map.of())) {
      for (int i = 0; i < 2; i++) {
        assertArrayEquals(v1.plaintext(), c.unwrap(kek, v1.wrapped(), ctx));
        assertArrayEquals(v2.plaintext(), c.unwrap(kek, v2.wrapped(), ctx));
      }
      assertEquals(2, kv.calls("get"), "one public key per key version");
      assertEquals(4, kv.calls("unwrapkey"));
      // a v2 signature does not pass for the v1 version
      AzureWrappedKey w1 = AzureWrappedKey.parse(v1.wrapped());
      AzureWrappedKey w2 = AzureWrappedKey.parse(v2.wrapped());
      refused(c, kek, w1.signed(w2.signature).encode(), ctx);
      assertEquals(4, kv.calls("unwrapkey"));
    }
  }

  @Test
  void turnedOffNoSignatureIsMadeOrCheckedAndADefaultConsumerRefusesSuchRecords() {
    String kek = kv.keyUrl("signed");
    EncryptionContext ctx = EncryptionContext.forDek(kek);
    Map<String, Object> off = Map.of("envelope.kms.azure.rsa.writer.signature", "false",
        "envelope.kms.azure.wrap.algorithm", "RSA-OAEP-256");
    DataKey dk;
    try (KeyManagementService p = kms(off)) {
      dk = p.generateDataKey(kek, ctx);
      assertTrue(p.describe().contains("signature OFF"), p.describe());
    }
    assertEquals(AzureWrappedKey.UNSIGNED, dk.wrapped()[0]);
    assertEquals(0, kv.calls("sign"));
    try (KeyManagementService c = kms(Map.of())) {
      refused(c, kek, dk.wrapped(), ctx);
    }
    assertEquals(0, kv.calls("get") + kv.calls("unwrapkey"));
    kv.deny("get"); // a consumer with only unwrapKey
    try (KeyManagementService c = kms(off)) {
      assertArrayEquals(dk.plaintext(), c.unwrap(kek, dk.wrapped(), ctx));
    }
    assertEquals(1, kv.calls("unwrapkey"));
  }

  @Test
  void aProducerWithoutSignPermissionFailsClosedAndAConsumerWithoutGetIsDenied() {
    String kek = kv.keyUrl("signed");
    EncryptionContext ctx = EncryptionContext.forDek(kek);
    DataKey dk;
    try (KeyManagementService p = producer()) {
      dk = p.generateDataKey(kek, ctx);
      kv.deny("sign");
      KmsException e = assertThrows(KmsException.class, () -> p.generateDataKey(kek, ctx));
      assertEquals(Reason.ACCESS_DENIED, e.reason(), e.getMessage());
      assertTrue(e.getMessage().contains("sign (PS256"), e.getMessage());
      assertTrue(e.getMessage().contains("ForbiddenByRbac"), e.getMessage());
    }
    kv.deny("get");
    kv.resetCounters();
    try (KeyManagementService c = kms(Map.of())) {
      KmsException e = assertThrows(KmsException.class, () -> c.unwrap(kek, dk.wrapped(), ctx));
      assertEquals(Reason.ACCESS_DENIED, e.reason(), e.getMessage());
      assertTrue(e.getMessage().contains("get key"), e.getMessage());
      assertEquals(0, kv.calls("unwrapkey"));
    }
  }

  @Test
  void octHsmKeysNeitherSignNorNeedAPublicKey() {
    String hsm = kv.keyUrl("hsm");
    EncryptionContext ctx = EncryptionContext.forDek(hsm);
    try (KeyManagementService k = kms(Map.of("envelope.kms.azure.wrap.algorithm", "A256KW"))) {
      DataKey dk = k.generateDataKey(hsm, ctx);
      assertNull(AzureWrappedKey.parse(dk.wrapped()).signature);
      assertNotNull(k.unwrap(hsm, dk.wrapped(), ctx));
    }
    assertEquals(0, kv.calls("sign") + kv.calls("get"));
    assertEquals(1, kv.calls("unwrapkey"));
  }
}
