package io.kafkaenvelope.serde;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkaenvelope.config.EnvelopeConfig;
import io.kafkaenvelope.testing.TestConfigs;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * Format modules subclass the wrappers with a default inner serde; a configured inner class still
 * wins, so users can wrap a third-party serde through the same class.
 */
class DefaultInnerTest {

  public static final class Upper extends StringSerializer {
    @Override
    public byte[] serialize(String topic, String data) {
      return super.serialize(topic, data.toUpperCase(java.util.Locale.ROOT));
    }
  }

  static final class StringEncrypting extends EncryptingSerializer<String> {
    StringEncrypting() {
      super(StringSerializer.class);
    }
  }

  static final class StringDecrypting extends DecryptingDeserializer<String> {
    StringDecrypting() {
      super(StringDeserializer.class);
    }
  }

  static final class StringEnvelopeSerde extends EnvelopeSerde<String> {
    StringEnvelopeSerde() {
      super(Serdes.StringSerde.class);
    }
  }

  private final Map<String, Object> configs = TestConfigs.base(TestConfigs.newKmsName());

  @Test
  void defaultInnerIsUsedWhenNoneIsConfigured() {
    configs.remove(EnvelopeConfig.INNER_SERIALIZER);
    configs.remove(EnvelopeConfig.INNER_DESERIALIZER);
    try (StringEncrypting s = new StringEncrypting(); StringDecrypting d = new StringDecrypting()) {
      s.configure(configs, false);
      d.configure(configs, false);
      RecordHeaders h = new RecordHeaders();
      byte[] wire = s.serialize("t", h, "abc " + TestConfigs.MARKER);
      assertTrue(!new String(wire, StandardCharsets.ISO_8859_1).contains(TestConfigs.MARKER));
      assertEquals("abc " + TestConfigs.MARKER, d.deserialize("t", h, wire));
    }
    try (StringEnvelopeSerde serde = new StringEnvelopeSerde()) {
      serde.configure(configs, false);
      byte[] wire = serde.serializer().serialize("t", "inline");
      assertEquals("inline", serde.deserializer().deserialize("t", wire));
    }
  }

  @Test
  void configuredInnerWinsOverTheDefault() {
    configs.put(EnvelopeConfig.INNER_SERIALIZER, Upper.class.getName());
    try (StringEncrypting s = new StringEncrypting(); StringDecrypting d = new StringDecrypting()) {
      s.configure(configs, false);
      d.configure(configs, false);
      RecordHeaders h = new RecordHeaders();
      assertEquals("ABC", d.deserialize("t", h, s.serialize("t", h, "abc")));
    }
  }
}
