package io.kafkaenvelope.internal.dek;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.kafkaenvelope.internal.wire.EnvelopeHeader;
import io.kafkaenvelope.internal.wire.Role;
import java.util.HexFormat;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

/**
 * The per-key cache of sealings (header and record key per topic) that lets records of one topic
 * find theirs by one comparison: it answers for the topic asked, by content, and a new key has
 * its own.
 */
class ActiveDekTest {

  private static final RotationLimits LIMITS = new RotationLimits(Long.MAX_VALUE / 4, 1000, 1000);

  private static ActiveDek key(int id, boolean formatSix) {
    byte[] dek = new byte[32];
    dek[0] = (byte) id;
    byte[] dekId = new byte[16];
    dekId[0] = (byte) id;
    return new ActiveDek(new SecretKeySpec(dek, "AES"), dekId, "kek", "v1", new byte[] {1, 2, 3},
        Role.VALUE, formatSix, 7, 0L, 0L, LIMITS);
  }

  private static String topicOf(Sealing s) {
    return EnvelopeHeader.parse(s.header()).topic();
  }

  @Test
  void theLastTopicIsAnsweredByContentAndAnotherTopicMisses() {
    for (boolean formatSix : new boolean[] {false, true}) {
      ActiveDek d = key(1, formatSix);
      Sealing a = d.sealing("orders", 0, 0);
      assertSame(a, d.sealing("orders", 0, 0));
      assertSame(a, d.sealing(new String("orders"), 0, 0), "equal topic, another String");
      Sealing b = d.sealing("payments", 0, 0);
      assertNotSame(a, b);
      assertEquals("payments", topicOf(b));
      if (formatSix) {
        assertNotEquals(a.key(), b.key(), "a record key per header");
      } else {
        assertEquals("payments", topicOf(new Sealing(b.aad(), b.key(), null)), "header is AAD");
      }
      assertSame(a, d.sealing("orders", 0, 0), "back to the first topic: its own sealing");
      assertEquals("orders", topicOf(d.sealing("orders", 0, 0)));
    }
  }

  @Test
  void aNewKeyDoesNotAnswerWithThePreviousKeysSealing() {
    ActiveDek first = key(1, true);
    ActiveDek rotated = key(2, true);
    Sealing a = first.sealing("orders", 0, 0);
    Sealing b = rotated.sealing("orders", 0, 0);
    assertNotSame(a, b);
    assertEquals(HexFormat.of().formatHex(rotated.dekId()),
        EnvelopeHeader.parse(b.header()).dekIdHex());
    assertNotEquals(a.key(), b.key());
  }
}
