package io.kafkaenvelope.serde.protobuf;

import com.google.protobuf.CodedInputStream;
import io.kafkaenvelope.serde.protobuf.test.v1.Order;
import java.io.IOException;
import java.util.Map;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Reads what {@link RegistryFramedSerializer} writes (Apicurio 2.x's Protobuf framing) into a v1
 * {@link Order}, checking the magic byte, the schema id and the Ref's message name.
 */
public final class RegistryFramedDeserializer implements Deserializer<Order> {

  private int idBytes = 8;
  private long schemaId;

  @Override
  public void configure(Map<String, ?> configs, boolean isKey) {
    idBytes = Integer.parseInt(String.valueOf(configs.get(RegistryFramedSerializer.ID_BYTES)));
    schemaId = Long.parseLong(String.valueOf(configs.get(RegistryFramedSerializer.SCHEMA_ID)));
  }

  @Override
  public Order deserialize(String topic, byte[] data) {
    if (data == null) {
      return null;
    }
    try {
      CodedInputStream in = CodedInputStream.newInstance(data);
      if (in.readRawByte() != 0) {
        throw new SerializationException("no magic byte");
      }
      long id = 0;
      for (int i = 0; i < idBytes; i++) {
        id = (id << 8) | (in.readRawByte() & 0xFF);
      }
      if (id != schemaId) {
        throw new SerializationException("unknown schema id " + id);
      }
      int refEnd = in.pushLimit(in.readRawVarint32());
      if (in.readTag() != (1 << 3 | 2) || !in.readString().equals("Order")) {
        throw new SerializationException("not an Order");
      }
      in.popLimit(refEnd);
      return Order.parseFrom(in);
    } catch (IOException e) {
      throw new SerializationException("cannot parse", e);
    }
  }
}
