package io.kafkaenvelope.kms.gcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.cloud.kms.v1.CryptoKey;
import io.kafkaenvelope.kms.KeyManagementService;
import io.kafkaenvelope.kms.KeyManagementService.KekUse;
import io.kafkaenvelope.kms.KmsException;
import io.kafkaenvelope.kms.KmsException.Reason;
import io.kafkaenvelope.serde.DecryptingDeserializer;
import io.kafkaenvelope.serde.EncryptingSerializer;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 17, fail fast: {@code checkKek} is one {@code GetCryptoKey} through Google's real gRPC
 * client against {@link FakeGcpKms} over TLS, which answers it as Cloud KMS does (purpose,
 * primary version and its state; NOT_FOUND for a missing key).
 */
class GcpKekCheckTest {

  static FakeGcpKms fake;
  static Path keyFile;
  static String orders;
  static String signing;
  static String disabled;

  @BeforeAll
  static void start() throws Exception {
    fake = new FakeGcpKms();
    keyFile = fake.serviceAccount(GcpKmsTest.EMAIL);
    orders = fake.createKey("check-orders");
    signing = fake.createKey("check-signing");
    fake.setPurpose(signing, CryptoKey.CryptoKeyPurpose.ASYMMETRIC_SIGN);
    disabled = fake.createKey("check-disabled");
    fake.setEnabled(disabled + "/cryptoKeyVersions/1", false);
  }

  @AfterAll
  static void stop() {
    fake.close();
  }

  @BeforeEach
  void reset() {
    fake.resetCounters();
  }

  @AfterEach
  void clear() {
    fake.denyOperation(null);
  }

  private static Map<String, Object> config(String kekId) {
    Map<String, Object> c = GcpKmsTest.config(fake, keyFile);
    c.put("envelope.kms.type", "gcp-kms");
    c.put("envelope.kek.id", kekId);
    return c;
  }

  private static KmsException fails(String kekId, KekUse use, Reason reason) {
    try (KeyManagementService kms = new GcpKmsProvider().create(config(kekId))) {
      KmsException e = assertThrows(KmsException.class, () -> kms.checkKek(kekId, use));
      assertEquals(reason, e.reason(), e.getMessage());
      assertTrue(e.getMessage().contains(kekId), e.getMessage());
      return e;
    }
  }

  @Test
  void aUsableKeyPassesWithOneGetCryptoKey() {
    try (KeyManagementService kms = new GcpKmsProvider().create(config(orders))) {
      assertTrue(kms.checkKek(orders, KekUse.ENCRYPT));
      assertTrue(kms.checkKek(orders, KekUse.DECRYPT));
      assertTrue(kms.checkKek(disabled, KekUse.DECRYPT), "older versions may still decrypt");
    }
    assertEquals(3, fake.calls("GetCryptoKey"));
    assertEquals(0, fake.calls("Encrypt") + fake.calls("Decrypt"));
  }

  @Test
  void missingDisabledWrongPurposeDeniedAndDeterministic() {
    fails(FakeGcpKms.RING + "/cryptoKeys/no-such-key", KekUse.DECRYPT, Reason.KEY_NOT_FOUND);
    assertTrue(fails(disabled, KekUse.ENCRYPT, Reason.KEY_DISABLED).getMessage()
        .contains("DISABLED"));
    assertTrue(fails(signing, KekUse.DECRYPT, Reason.MISCONFIGURED).getMessage()
        .contains("ASYMMETRIC_SIGN"));
    assertEquals(3, fake.calls("GetCryptoKey"));
    fails(orders, KekUse.DERIVE, Reason.MISCONFIGURED);
    assertEquals(3, fake.calls("GetCryptoKey"), "refused before any call");
    fake.denyOperation("GetCryptoKey");
    assertTrue(fails(orders, KekUse.DECRYPT, Reason.ACCESS_DENIED).getMessage()
        .contains("cloudkms.cryptoKeys.get"));
  }

  @Test
  void theSerdesFailInConfigureNamingKekAndSetting() throws Exception {
    String missing = FakeGcpKms.RING + "/cryptoKeys/no-such-key";
    ConfigException e = assertThrows(ConfigException.class,
        () -> new DecryptingDeserializer<>(new StringDeserializer()).configure(config(missing),
            false));
    assertTrue(e.getMessage().contains("envelope.kek.id") && e.getMessage().contains(missing)
        && e.getMessage().contains("KEY_NOT_FOUND"), e.getMessage());
    ConfigException d = assertThrows(ConfigException.class,
        () -> new EncryptingSerializer<>(new StringSerializer()).configure(config(disabled),
            false));
    assertTrue(d.getMessage().contains("KEY_DISABLED") && d.getMessage().contains(disabled),
        d.getMessage());
    try (EncryptingSerializer<String> s = new EncryptingSerializer<>(new StringSerializer())) {
      fake.resetCounters();
      s.configure(config(orders), false);
      s.serialize("orders", new RecordHeaders(), "x");
      s.serialize("orders", new RecordHeaders(), "y");
    }
    assertEquals(1, fake.calls("Encrypt"), "configure()'s data key served the records");

    int port;
    try (ServerSocket closed = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = closed.getLocalPort();
    }
    Map<String, Object> unreachable = config(orders);
    unreachable.put(GcpKmsConfig.ENDPOINT, "127.0.0.1:" + port);
    unreachable.put("envelope.kms.timeout.ms", 3000L);
    ConfigException u = assertThrows(ConfigException.class,
        () -> new DecryptingDeserializer<>(new StringDeserializer()).configure(unreachable,
            false));
    assertTrue(u.getMessage().contains("UNAVAILABLE") && u.getMessage().contains(orders),
        u.getMessage());
  }
}
