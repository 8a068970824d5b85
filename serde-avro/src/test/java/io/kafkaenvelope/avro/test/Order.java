package io.kafkaenvelope.avro.test;

import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecordBase;

/**
 * A SpecificRecord for schema order-v2.avsc, written the way avro-tools generates one (SCHEMA$,
 * no-arg constructor, get/put by field index), kept by hand to avoid a code generator in the
 * build.
 */
public class Order extends SpecificRecordBase {

  public static final Schema SCHEMA$ = new Schema.Parser().parse("{\"type\":\"record\","
      + "\"name\":\"Order\",\"namespace\":\"io.kafkaenvelope.avro.test\",\"fields\":["
      + "{\"name\":\"id\",\"type\":\"string\"},{\"name\":\"amountCents\",\"type\":\"long\"},"
      + "{\"name\":\"note\",\"type\":\"string\"},"
      + "{\"name\":\"currency\",\"type\":\"string\",\"default\":\"EUR\"}]}");

  private CharSequence id;
  private long amountCents;
  private CharSequence note;
  private CharSequence currency;

  public Order() {}

  public Order(String id, long amountCents, String note, String currency) {
    this.id = id;
    this.amountCents = amountCents;
    this.note = note;
    this.currency = currency;
  }

  public static Schema getClassSchema() {
    return SCHEMA$;
  }

  @Override
  public Schema getSchema() {
    return SCHEMA$;
  }

  @Override
  public Object get(int field) {
    switch (field) {
      case 0: return id;
      case 1: return amountCents;
      case 2: return note;
      case 3: return currency;
      default: throw new IndexOutOfBoundsException("Invalid index: " + field);
    }
  }

  @Override
  public void put(int field, Object value) {
    switch (field) {
      case 0: id = (CharSequence) value; break;
      case 1: amountCents = (Long) value; break;
      case 2: note = (CharSequence) value; break;
      case 3: currency = (CharSequence) value; break;
      default: throw new IndexOutOfBoundsException("Invalid index: " + field);
    }
  }

  public String id() {
    return String.valueOf(id);
  }

  public long amountCents() {
    return amountCents;
  }

  public String note() {
    return String.valueOf(note);
  }

  public String currency() {
    return String.valueOf(currency);
  }
}
