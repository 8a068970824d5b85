package io.kafkaenvelope.serde;

import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.utils.Utils;

/**
 * Instantiates the inner serializer, deserializer, serde or partitioner that a setting names. A
 * class that exists but is of the wrong kind (say {@code java.lang.String}) is a configuration
 * mistake, so it fails with a {@link ConfigException} naming the setting and the expected type,
 * not with a bare {@code ClassCastException} from deep inside Kafka's client start-up.
 */
final class InnerSerdes {

  private InnerSerdes() {}

  static <T> T newInstance(Class<?> cls, Class<T> type, String setting) {
    if (!type.isAssignableFrom(cls)) {
      throw new ConfigException(setting, cls.getName(), "is not a " + type.getName()
          + "; name a class that implements " + type.getName());
    }
    try {
      return Utils.newInstance(cls, type);
    } catch (KafkaException e) {
      throw new ConfigException(setting, cls.getName(), "cannot be instantiated (it needs a "
          + "public no-argument constructor): " + e.getMessage());
    }
  }
}
