package io.kafkaenvelope.serde.protobuf;

import io.kafkaenvelope.serde.protobuf.test.v1.Card;
import io.kafkaenvelope.serde.protobuf.test.v1.Customer;
import io.kafkaenvelope.serde.protobuf.test.v1.LineItem;
import io.kafkaenvelope.serde.protobuf.test.v1.Order;
import io.kafkaenvelope.serde.protobuf.test.v1.Refund;
import io.kafkaenvelope.serde.protobuf.test.v1.Status;
import io.kafkaenvelope.testing.EnvelopeFixtures;
import java.util.Map;

/** Messages and client settings shared by the tests. */
final class Fixtures extends EnvelopeFixtures {

  /** Every test record carries this; it must never reach the broker or a log line. */
  static final String MARKER = "PROTOBUF-PLAINTEXT-MARKER-8c2f";

  private Fixtures() {}

  /**
   * A v1 order using every kind of field: nested messages (two levels), repeated, map, oneof
   * (card for even {@code n}, IBAN for odd) and enum; the marker in the note, the customer's
   * street, a line item and a map value.
   */
  static Order v1(String id, int n) {
    Order.Builder b = Order.newBuilder()
        .setId(id)
        .setAmountCents(100L + n)
        .setNote(MARKER + " note " + id)
        .setCustomer(Customer.newBuilder().setName("customer " + id)
            .setAddress(Customer.Address.newBuilder().setStreet(MARKER + " street")
                .setCity("Bern")))
        .addItems(LineItem.newBuilder().setSku("sku-" + n).setQuantity(n + 1))
        .addItems(LineItem.newBuilder().setSku(MARKER + "-sku").setQuantity(2))
        .putAttributes("channel", "web")
        .putAttributes("secret", MARKER + " attribute")
        .setStatus(n % 2 == 0 ? Status.STATUS_PLACED : Status.STATUS_SHIPPED);
    if (n % 2 == 0) {
      b.setCard(Card.newBuilder().setLast4(String.format("%04d", n % 10_000)));
    } else {
      b.setIban("CH93 0076 2011 6238 5295 " + n);
    }
    return b.build();
  }

  /** The same order written with the v2 schema, plus the added field. */
  static io.kafkaenvelope.serde.protobuf.test.v2.Order v2(String id, int n, String currency) {
    try {
      return io.kafkaenvelope.serde.protobuf.test.v2.Order.parseFrom(v1(id, n).toByteArray())
          .toBuilder().setCurrency(currency).build();
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new IllegalStateException(e);
    }
  }

  static Refund refund(String orderId) {
    return Refund.newBuilder().setOrderId(MARKER + " refund " + orderId).setAmountCents(5).build();
  }

  /** Envelope settings against a fresh in-memory KMS. */
  static Map<String, Object> envelope() {
    return inMemoryEnvelope("protobuf");
  }

  /** {@link #envelope} plus the message class the registry-less deserializer parses into. */
  static Map<String, Object> envelope(Class<?> messageClass) {
    Map<String, Object> m = envelope();
    m.put(ProtobufSerdeConfig.MESSAGE_CLASS, messageClass.getName());
    return m;
  }
}
