package io.kafkaenvelope.avro.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Conversions;
import org.apache.avro.data.TimeConversions;
import org.apache.avro.generic.GenericData;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;

/** One field value to and from Avro binary of the field's own schema. */
final class FieldCodec {

  /**
   * Writes raw values (what GenericData and the Avro serdes hold: Long for a timestamp,
   * ByteBuffer for a decimal) and, for records built with a conversion-aware model, the converted
   * ones (Instant, BigDecimal, UUID, LocalDate): a conversion applies only to its own Java class.
   */
  static final GenericData WRITE_MODEL = new GenericData();

  static {
    WRITE_MODEL.addLogicalTypeConversion(new Conversions.DecimalConversion());
    WRITE_MODEL.addLogicalTypeConversion(new Conversions.UUIDConversion());
    WRITE_MODEL.addLogicalTypeConversion(new TimeConversions.DateConversion());
    WRITE_MODEL.addLogicalTypeConversion(new TimeConversions.TimeMillisConversion());
    WRITE_MODEL.addLogicalTypeConversion(new TimeConversions.TimeMicrosConversion());
    WRITE_MODEL.addLogicalTypeConversion(new TimeConversions.TimestampMillisConversion());
    WRITE_MODEL.addLogicalTypeConversion(new TimeConversions.TimestampMicrosConversion());
    WRITE_MODEL.addLogicalTypeConversion(new TimeConversions.LocalTimestampMillisConversion());
    WRITE_MODEL.addLogicalTypeConversion(new TimeConversions.LocalTimestampMicrosConversion());
  }

  private FieldCodec() {}

  /** The encoding of {@code value} at {@code node}; throws if it is no such value. */
  static byte[] encode(FieldTree.Sealed node, Object value) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(64);
    BinaryEncoder enc = EncoderFactory.get().directBinaryEncoder(out, null);
    try {
      node.writer.write(value, enc);
    } catch (IOException e) {
      throw new AvroRuntimeException("cannot encode: " + e.getClass().getSimpleName());
    }
    return out.toByteArray();
  }

  /**
   * The value {@code encoding} holds, or null if it is not exactly one value of the node's
   * schema (trailing bytes included).
   */
  static Object decode(FieldTree.Sealed node, byte[] encoding) {
    BinaryDecoder dec = DecoderFactory.get().binaryDecoder(encoding, null);
    try {
      Object v = node.reader.read(null, dec);
      return dec.isEnd() ? v : null;
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /** The bytes of a ByteBuffer without moving it. */
  static byte[] bytes(ByteBuffer b) {
    ByteBuffer d = b.duplicate();
    byte[] out = new byte[d.remaining()];
    d.get(out);
    return out;
  }
}
