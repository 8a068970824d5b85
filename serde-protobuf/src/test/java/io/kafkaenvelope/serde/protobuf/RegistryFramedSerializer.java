package io.kafkaenvelope.serde.protobuf;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.Message;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.Map;
import org.apache.kafka.common.serialization.Serializer;

/**
 * A stand-in for a registry's Protobuf serializer, loaded by class name through
 * {@code envelope.inner.serializer}: it writes Apicurio Registry 2.x's Protobuf payload framing
 * byte for byte (magic byte 0x00, the schema id in 8 bytes, or 4 with {@link #ID_BYTES}=4 as
 * Apicurio's {@code as-confluent} does, then a length-delimited {@code Ref} message whose field 1
 * is the message name, then the message). Apicurio's own serializer cannot run next to
 * protobuf-java 4 (see docs/serdes.md); the framing is what the clear prefix acts on.
 */
public final class RegistryFramedSerializer implements Serializer<Message> {

  static final String ID_BYTES = "test.registry.id.bytes";
  static final String SCHEMA_ID = "test.registry.schema.id";

  static volatile Map<String, ?> lastConfigs;

  private int idBytes = 8;
  private long schemaId;

  @Override
  public void configure(Map<String, ?> configs, boolean isKey) {
    lastConfigs = Map.copyOf(configs);
    idBytes = Integer.parseInt(String.valueOf(configs.get(ID_BYTES)));
    schemaId = Long.parseLong(String.valueOf(configs.get(SCHEMA_ID)));
  }

  @Override
  public byte[] serialize(String topic, Message data) {
    if (data == null) {
      return null;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(0);
    ByteBuffer id = ByteBuffer.allocate(idBytes);
    if (idBytes == 4) {
      id.putInt((int) schemaId);
    } else {
      id.putLong(schemaId);
    }
    out.writeBytes(id.array());
    try {
      // Ref { string name = 1; } written delimited, as Ref.writeDelimitedTo does
      String name = data.getDescriptorForType().getName();
      int refSize = CodedOutputStream.computeStringSize(1, name);
      CodedOutputStream c = CodedOutputStream.newInstance(out);
      c.writeUInt32NoTag(refSize);
      c.writeString(1, name);
      c.flush();
      data.writeTo(out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }
}
