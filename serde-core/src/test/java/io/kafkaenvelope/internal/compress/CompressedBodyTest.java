package io.kafkaenvelope.internal.compress;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The version 3 body, {@code u32 length | compressed}, in both directions. */
class CompressedBodyTest {

  private static final Codec GZIP = Codecs.forId(Codecs.GZIP);

  private static byte[] repetitive(int n) {
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) {
      b[i] = (byte) ('a' + i % 3);
    }
    return b;
  }

  @Test
  void aBodyStatesItsLengthAndDecompressesBehindTheClearPrefix() {
    byte[] plaintext = repetitive(1000);
    plaintext[0] = 0; // a registry's magic byte, then a 4-byte schema id, left in the clear
    CompressedBody body = CompressedBody.compress(GZIP, plaintext, 5);
    assertTrue(body.length() < 100, "compressed to " + body.length());
    assertEquals(995, CompressedBody.statedLength(body.bytes(), 0));
    byte[] sealed = new byte[5 + body.length()]; // what the reader gets back after opening
    System.arraycopy(plaintext, 0, sealed, 0, 5);
    System.arraycopy(body.bytes(), 0, sealed, 5, body.length());
    assertEquals(995, CompressedBody.statedLength(sealed, 5));
    assertArrayEquals(plaintext, CompressedBody.decompress(GZIP, sealed, 5, 995));
  }

  @Test
  void aRecordThatWouldNotShrinkIsNotCompressed() {
    assertNull(CompressedBody.compress(GZIP, "tiny".getBytes(StandardCharsets.UTF_8), 0));
    byte[] random = new byte[256];
    new java.util.Random(7).nextBytes(random); // fixed seed: incompressible, every run
    assertNull(CompressedBody.compress(GZIP, random, 0));
  }

  @Test
  void aBodyThatDoesNotDecompressToExactlyItsStatedLengthIsCorrupt() {
    byte[] plaintext = repetitive(500);
    CompressedBody body = CompressedBody.compress(GZIP, plaintext, 0);
    byte[] in = Arrays.copyOf(body.bytes(), body.length());
    assertThrows(CorruptDataException.class, () -> CompressedBody.decompress(GZIP, in, 0, 499));
    assertThrows(CorruptDataException.class, () -> CompressedBody.decompress(GZIP, in, 0, 501));
    assertThrows(CorruptDataException.class, () -> CompressedBody.statedLength(new byte[3], 0));
    in[in.length - 1] ^= 1; // gzip's trailer: CRC-32 and length
    assertThrows(CorruptDataException.class, () -> CompressedBody.decompress(GZIP, in, 0, 500));
  }
}
