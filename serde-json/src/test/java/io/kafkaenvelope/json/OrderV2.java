package io.kafkaenvelope.json;

/**
 * Version 2 adds {@code currency} with a default: a plain class, because a field initializer is
 * how a Jackson POJO gives an absent property a default.
 */
public class OrderV2 {
  public String id;
  public long amountCents;
  public String note;
  public String currency = "EUR";

  public OrderV2() {}

  public OrderV2(String id, long amountCents, String note, String currency) {
    this.id = id;
    this.amountCents = amountCents;
    this.note = note;
    this.currency = currency;
  }
}
