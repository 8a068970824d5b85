package io.kafkaenvelope.json.internal;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.List;
import java.util.Map;

/** Test POJOs holding every JSON value type (records: Jackson maps them, equals is by value). */
public final class Shapes {

  private Shapes() {}

  public record Customer(String email, String ssn, Integer age) {}

  public record Line(String sku, int qty, String address) {}

  public record Order(String id, int qty, long big, double price, float ratio, BigDecimal amount,
      BigInteger huge, boolean paid, Integer missing, Customer customer, List<Line> lines,
      Map<String, String> attrs, List<Integer> scores, Map<String, Customer> contacts,
      int[] codes) {

    @Override
    public boolean equals(Object o) {
      return o instanceof Order x && id.equals(x.id) && qty == x.qty && big == x.big
          && Double.compare(price, x.price) == 0 && Float.compare(ratio, x.ratio) == 0
          && amount.equals(x.amount) && huge.equals(x.huge) && paid == x.paid
          && java.util.Objects.equals(missing, x.missing) && customer.equals(x.customer)
          && lines.equals(x.lines) && attrs.equals(x.attrs) && scores.equals(x.scores)
          && contacts.equals(x.contacts) && java.util.Arrays.equals(codes, x.codes);
    }

    @Override
    public int hashCode() {
      return id.hashCode();
    }
  }

  /** The same marker as the module's Fixtures, so LogScanTest looks for it too. */
  public static final String MARK = "JSON-PLAINTEXT-MARKER-8b2c";

  public static Order order() {
    return order(1);
  }

  /** Order {@code i}: its id, customer and addresses differ from every other's. */
  public static Order order(int i) {
    return new Order("o-" + i, 7 + i, 9_007_199_254_740_993L, 0.1 + 0.2, 1.25f,
        new BigDecimal("1234567890.12345678901234567890"),
        new BigInteger("123456789012345678901234567890"),
        true, null, new Customer(MARK + i + "@example.com", MARK + "-ssn-" + i, 42),
        List.of(new Line("A", 1, MARK + " street " + i), new Line("B", 2, MARK + " road " + i)),
        Map.of("colour", MARK + "-red", "we\"ird\nkey", MARK + "-x"), List.of(1, 2, 3),
        Map.of("boss", new Customer("b@x", MARK + "-boss", null)), new int[] {4, 5});
  }
}
