package io.kafkaenvelope.benchmarks.micro;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkaenvelope.internal.crypto.AesGcm;
import io.kafkaenvelope.internal.wire.SealedRecord;
import io.kafkaenvelope.serde.DecryptingDeserializer;
import io.kafkaenvelope.serde.EncryptingSerializer;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

/**
 * This module's tests have the Amazon Corretto Crypto Provider on the classpath: serde-core must
 * pick it up, and what it writes must be what SunJCE reads and the other way round.
 */
class AccpProviderTest {

  @Test
  void serdeCoreUsesTheProviderWhenPresent() {
    assertTrue(AesGcm.providerName().startsWith("AmazonCorrettoCryptoProvider"),
        AesGcm.providerName());
    assertEquals("AmazonCorrettoCryptoProvider", Fixtures.newCipher().getProvider().getName());
  }

  @Test
  void ciphertextIsInterchangeableWithSunJce() throws Exception {
    SecretKey key = Fixtures.aesKey();
    byte[] aad = Fixtures.payload(90);
    for (int size : new int[] {0, 1, 64, 1024, 16384, 1 << 20}) {
      byte[] plaintext = Fixtures.payload(size);
      byte[] sealed = new byte[SealedRecord.sealedLength(size)];
      System.arraycopy(Fixtures.payload(12), 0, sealed, 0, 12);
      AesGcm.seal(key, aad, sealed, 0, 0, 0, plaintext, 0, plaintext.length);

      Cipher sun = Cipher.getInstance("AES/GCM/NoPadding", "SunJCE");
      sun.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(128, sealed, 0, 12));
      sun.updateAAD(aad);
      assertArrayEquals(plaintext, sun.doFinal(sealed, 12, sealed.length - 12));

      byte[] nonce = Fixtures.payload(12);
      sun.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(128, nonce));
      sun.updateAAD(aad);
      byte[] ct = sun.doFinal(plaintext);
      byte[] bySun = new byte[12 + ct.length];
      System.arraycopy(nonce, 0, bySun, 0, 12);
      System.arraycopy(ct, 0, bySun, 12, ct.length);
      assertArrayEquals(plaintext, AesGcm.open(key, aad, 0, aad.length, bySun, 0, 0));
      bySun[bySun.length - 1] ^= 1;
      assertThrows(AEADBadTagException.class,
          () -> AesGcm.open(key, aad, 0, aad.length, bySun, 0, 0));
    }
  }

  @Test
  void serdeRoundTripsThroughTheProvider() {
    byte[] value = Fixtures.payload(3000);
    try (EncryptingSerializer<byte[]> ser = Fixtures.serializer();
        DecryptingDeserializer<byte[]> de = Fixtures.deserializer()) {
      RecordHeaders headers = new RecordHeaders();
      byte[] record = ser.serialize(Fixtures.TOPIC, headers, value);
      assertArrayEquals(value, de.deserialize(Fixtures.TOPIC, headers, record));
      byte[] frame = ser.serialize(Fixtures.TOPIC, value);
      assertArrayEquals(value, de.deserialize(Fixtures.TOPIC, frame));
    }
  }
}
