package io.kafkaenvelope.serde;

import io.kafkaenvelope.config.EnvelopeConfig;
import java.io.Closeable;
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

  /**
   * A new instance of the class {@code setting} names (else {@code fallback}), closing
   * {@code previous} first (a serde configured again replaces what it loaded); the caller
   * configures it. The lifecycle every wrapper shares: it owns, and closes, what it loaded.
   *
   * @param purpose what the class is for, completing "Set &lt;setting&gt; ..." when none is named
   */
  static <T extends Closeable> T load(Class<?> named, Class<?> fallback, Class<T> type,
      String setting, String purpose, boolean isKey, T previous) {
    Class<?> cls = named != null ? named : fallback;
    if (cls == null) {
      throw new ConfigException("Set " + setting + (isKey ? " (or " + setting.replace(
          EnvelopeConfig.PREFIX, EnvelopeConfig.KEY_OVERRIDE_PREFIX) + ")" : "") + " " + purpose);
    }
    closeQuietly(previous);
    return newInstance(cls, type, setting);
  }

  /** Closes {@code c} if there is one; a wrapper's close goes on past a failing inner close. */
  static void closeQuietly(Closeable c) {
    if (c != null) {
      Utils.closeQuietly(c, c.getClass().getName());
    }
  }

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
