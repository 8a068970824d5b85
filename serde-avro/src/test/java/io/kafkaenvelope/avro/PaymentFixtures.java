package io.kafkaenvelope.avro;

import io.kafkaenvelope.avro.field.Address;
import io.kafkaenvelope.avro.field.Billing;
import io.kafkaenvelope.avro.field.Code;
import io.kafkaenvelope.avro.field.Colour;
import io.kafkaenvelope.avro.field.Line;
import io.kafkaenvelope.avro.field.Payment;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;

/**
 * Records of the generated {@link Payment} (src/test/avro/payment-v1.avsc): every Avro field
 * type. Every value of an encrypted field carries {@link #SECRET}; the clear ones do not.
 */
public final class PaymentFixtures {

  /** In every encrypted field's value (as text where the type allows); never on the broker. */
  public static final String SECRET = "FIELD-SECRET-7c41";

  /** The patterns of envelope.fields for Payment (ssn is annotated, email tagged PII). */
  public static final String FIELDS = "age,balance,score,vip,address,billing.zip,lines[].address,"
      + "attrs[],nickname,colour,code,amount,paidAt,paidAtMicros,token,day,tier";

  /** Encrypted, with text: their value contains SECRET. */
  public static final List<String> TEXT_FIELDS = List.of("ssn", "email", "address", "billing",
      "lines", "attrs", "nickname");

  /** payment-v1.avsc as a GenericRecord user has it (the generated class's adds java props). */
  public static final Schema V1 = Fixtures.schema("avro/payment-v1.avsc");
  public static final Schema V2 = Fixtures.schema("avro/payment-v2.avsc");

  private PaymentFixtures() {}

  /** Payment number {@code i}; odd numbers have a null nickname and billing. */
  public static Payment payment(int i) {
    BigDecimal amount = new BigDecimal("1234.5" + (i % 10));
    Map<String, String> attrs = new LinkedHashMap<>();
    attrs.put("colour \"deep\"", SECRET + " attr " + i);
    attrs.put("size", SECRET + " size");
    return Payment.newBuilder()
        .setId("p-" + i)
        .setSsn(SECRET + " 078-05-" + i)
        .setEmail(SECRET + "-" + i + "@example.com")
        .setAge(30 + i)
        .setBalance(9_000_000_000L + i)
        .setScore(0.5 + i)
        .setVip(i % 2 == 0)
        .setAddress(new Address(SECRET + " street " + i, SECRET + " city"))
        .setBilling(i % 2 == 0 ? new Billing("Lyon", SECRET + " zip " + i) : null)
        .setLines(List.of(new Line("sku-1", SECRET + " line a"), new Line("sku-2",
            SECRET + " line b " + i)))
        .setAttrs(attrs)
        .setNickname(i % 2 == 0 ? SECRET + " nick" : null)
        .setColour(i % 2 == 0 ? Colour.GREEN : Colour.RED)
        .setCode(new Code(new byte[] {1, 2, 3, (byte) i}))
        .setAmount(amount)
        .setPaidAt(Instant.ofEpochMilli(1_700_000_000_000L + i))
        .setPaidAtMicros(Instant.ofEpochSecond(1_700_000_000L, 123_456_000L + i * 1000L))
        .setToken(UUID.nameUUIDFromBytes(("t" + i).getBytes()))
        .setDay(LocalDate.of(2026, 12, 1).plusDays(i))
        .setNote("clear note " + i)
        .setTier("gold")
        .build();
  }

  /** The same record as a GenericRecord of {@link #V1} (raw values, Utf8 strings). */
  public static GenericRecord generic(int i) {
    return generic(i, V1);
  }

  /** The same record as a GenericRecord of {@code schema} (V1 or the generated class's). */
  public static GenericRecord generic(int i, Schema schema) {
    Payment p = payment(i);
    try {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      BinaryEncoder enc = EncoderFactory.get().directBinaryEncoder(out, null);
      new SpecificDatumWriter<Payment>(Payment.class).write(p, enc);
      return new GenericDatumReader<GenericRecord>(Payment.getClassSchema(), schema,
          GenericData.get())
          .read(null, DecoderFactory.get().binaryDecoder(out.toByteArray(), null));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
