package io.kafkaenvelope.internal.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class HeaderFieldsTest {

  @Test
  void fieldsRoundTripInOrder() {
    ByteBuffer buf = ByteBuffer.allocate(64);
    HeaderFields.put(buf, "orders".getBytes(StandardCharsets.UTF_8));
    HeaderFields.put(buf, new byte[0]);
    HeaderFields.put(buf, new byte[] {1, 2, 3});
    buf.flip();
    assertEquals("orders", HeaderFields.readUtf8(buf, "envelope header", "topic"));
    assertArrayEquals(new byte[0], HeaderFields.read(buf, "envelope header", "KEK version"));
    assertArrayEquals(new byte[] {1, 2, 3}, HeaderFields.read(buf, "envelope header", "DEK"));
    assertFalse(buf.hasRemaining());
  }

  @Test
  void truncationIsNamedByHeaderAndField() {
    MalformedEnvelopeException before = assertThrows(MalformedEnvelopeException.class,
        () -> HeaderFields.read(ByteBuffer.wrap(new byte[] {0}), "envelope header", "topic"));
    assertEquals("envelope header truncated before topic", before.getMessage());
    MalformedEnvelopeException in = assertThrows(MalformedEnvelopeException.class,
        () -> HeaderFields.read(ByteBuffer.wrap(new byte[] {0, 5, 'a', 'b'}),
            "deterministic envelope header", "scope"));
    assertEquals("deterministic envelope header truncated in scope", in.getMessage());
  }

  @Test
  void invalidUtf8IsRefusedWithoutEchoingTheBytes() {
    ByteBuffer buf = ByteBuffer.wrap(new byte[] {0, 2, (byte) 0xC3, (byte) 0x28});
    MalformedEnvelopeException e = assertThrows(MalformedEnvelopeException.class,
        () -> HeaderFields.readUtf8(buf, "envelope header", "KEK id"));
    assertEquals("envelope KEK id is not valid UTF-8", e.getMessage());
  }
}
