package io.kafkaenvelope.avro;

import java.util.Map;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** An inner serializer that records the configuration it was given (loaded by class name). */
public final class CapturingSerializer extends ByteArraySerializer {

  static volatile Map<String, ?> lastConfigs;
  static volatile Boolean lastIsKey;

  @Override
  public void configure(Map<String, ?> configs, boolean isKey) {
    lastConfigs = Map.copyOf(configs);
    lastIsKey = isKey;
  }
}
