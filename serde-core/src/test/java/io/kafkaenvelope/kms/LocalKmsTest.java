package io.kafkaenvelope.kms;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkaenvelope.kms.local.LocalKms;
import io.kafkaenvelope.serde.DecryptingDeserializer;
import io.kafkaenvelope.serde.EncryptingSerializer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalKmsTest {

  @TempDir Path dir;

  @Test
  void createsOnFirstUseWhenAskedAndRoundTrips() {
    LocalKms kms = new LocalKms(dir, true);
    EncryptionContext ctx = EncryptionContext.forDek("orders");
    DataKey k = kms.generateDataKey("orders", ctx);
    assertTrue(Files.exists(dir.resolve("orders.json")));
    assertArrayEquals(k.plaintext(), kms.unwrap("orders", k.wrapped(), ctx));
    // a second client reading the same directory unwraps too
    assertArrayEquals(k.plaintext(), new LocalKms(dir, false).unwrap("orders", k.wrapped(), ctx));
    assertFalse(k.toString().contains(java.util.HexFormat.of().formatHex(k.plaintext())));
  }

  @Test
  void missingKekIsKeyNotFoundUnlessCreationIsEnabled() {
    KmsException e = assertThrows(KmsException.class,
        () -> new LocalKms(dir, false).generateDataKey("nope", EncryptionContext.forDek("nope")));
    assertEquals(KmsException.Reason.KEY_NOT_FOUND, e.reason());
    assertTrue(e.getMessage().contains("create.missing"));
  }

  @Test
  void wrongKekWrongContextAndTamperingAreRefused() {
    LocalKms kms = new LocalKms(dir, true);
    DataKey k = kms.generateDataKey("a", EncryptionContext.forDek("a"));
    kms.generateDataKey("b", EncryptionContext.forDek("b"));
    assertEquals(KmsException.Reason.INVALID_CIPHERTEXT, assertThrows(KmsException.class,
        () -> kms.unwrap("b", k.wrapped(), EncryptionContext.forDek("b"))).reason());
    assertEquals(KmsException.Reason.INVALID_CIPHERTEXT, assertThrows(KmsException.class,
        () -> kms.unwrap("a", k.wrapped(), EncryptionContext.of(Map.of("x", "y")))).reason());
    byte[] tampered = k.wrapped();
    tampered[tampered.length - 1] ^= 1;
    assertEquals(KmsException.Reason.INVALID_CIPHERTEXT, assertThrows(KmsException.class,
        () -> kms.unwrap("a", tampered, EncryptionContext.forDek("a"))).reason());
  }

  @Test
  void rotationChangesTheVersionAndOldKeysStillUnwrap() {
    LocalKms before = new LocalKms(dir, true);
    EncryptionContext ctx = EncryptionContext.forDek("k");
    DataKey old = before.generateDataKey("k", ctx);
    LocalKms.rotate(dir, "k");
    LocalKms after = new LocalKms(dir, false);
    DataKey fresh = after.generateDataKey("k", ctx);
    assertNotEquals(old.kekVersion(), fresh.kekVersion());
    assertArrayEquals(old.plaintext(), after.unwrap("k", old.wrapped(), ctx));
    assertArrayEquals(fresh.plaintext(), after.unwrap("k", fresh.wrapped(), ctx));
  }

  @Test
  void kekIdsCannotEscapeTheDirectory() {
    KmsException e = assertThrows(KmsException.class,
        () -> new LocalKms(dir, true).generateDataKey("../evil", EncryptionContext.forDek("x")));
    assertEquals(KmsException.Reason.KEY_NOT_FOUND, e.reason());
    assertFalse(Files.exists(dir.getParent().resolve("evil.json")));
  }

  @Test
  void serializerWithLocalKmsByConfiguration() {
    Map<String, Object> c = new HashMap<>();
    c.put("envelope.kms.type", "local");
    c.put("envelope.kms.local.keyset.dir", dir.toString());
    c.put("envelope.kms.local.create.missing", "true");
    c.put("envelope.kek.id", "orders");
    c.put("envelope.inner.serializer", "org.apache.kafka.common.serialization.StringSerializer");
    c.put("envelope.inner.deserializer", "org.apache.kafka.common.serialization.StringDeserializer");
    try (EncryptingSerializer<String> s = new EncryptingSerializer<>();
        DecryptingDeserializer<String> d = new DecryptingDeserializer<>()) {
      s.configure(c, false);
      d.configure(c, false);
      RecordHeaders h = new RecordHeaders();
      assertEquals("hi", d.deserialize("t", h, s.serialize("t", h, "hi")));
    }
  }
}
