package io.kafkaenvelope.notink;

import io.kafkaenvelope.internal.crypto.TinkCheck;
import io.kafkaenvelope.serde.DecryptingDeserializer;
import io.kafkaenvelope.serde.EncryptingSerializer;
import io.kafkaenvelope.serde.EnvelopeException;
import io.kafkaenvelope.serde.EnvelopeSerde;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Run by {@link NoTinkTest} in a JVM whose classpath has no Tink and no protobuf-java: record mode
 * with the in-memory KMS works, and each feature that needs Tink fails with a message naming the
 * dependency. Prints one line per check and exits non-zero on the first that does not hold.
 * {@code args[0]}: a deterministic record (hex) made where Tink is present.
 */
public final class NoTinkMain {

  private NoTinkMain() {}

  public static void main(String[] args) {
    check(!TinkCheck.present(), "Tink is absent");
    try {
      Class.forName("com.google.protobuf.Message");
      check(false, "protobuf-java is absent");
    } catch (ClassNotFoundException expected) {
      System.out.println("ok: protobuf-java is absent");
    }
    Map<String, Object> c = new HashMap<>();
    c.put("envelope.kms.type", "in-memory");
    c.put("envelope.kms.memory.name", "no-tink");
    c.put("envelope.kek.id", "kek-1");
    try (EncryptingSerializer<String> s = new EncryptingSerializer<>(new StringSerializer());
        DecryptingDeserializer<String> d = new DecryptingDeserializer<>(new StringDeserializer())) {
      s.configure(c, false);
      d.configure(c, false);
      RecordHeaders h = new RecordHeaders();
      byte[] header = s.serialize("orders", h, "header mode");
      check("header mode".equals(d.deserialize("orders", h, header)), "record mode, headers");
      byte[] inline = s.serialize("orders", "inline");
      check("inline".equals(d.deserialize("orders", inline)), "record mode, inline");
      check(s.health().up() && d.health().up(), "health()");
      try {
        d.deserialize("orders", HexFormat.of().parseHex(args[0]));
        check(false, "a deterministic record is refused");
      } catch (EnvelopeException e) {
        check(e.reason() == EnvelopeException.Reason.MISCONFIGURED
            && e.getMessage().contains(TinkCheck.DEPENDENCY), "a deterministic record is "
                + "refused naming the dependency: " + e.getMessage());
      }
    }
    try (EnvelopeSerde<String> serde = new EnvelopeSerde<>(Serdes.String())) {
      serde.configure(c, false);
      check("streams".equals(serde.deserializer().deserialize("store",
          serde.serializer().serialize("store", "streams"))), "EnvelopeSerde");
    }
    Map<String, Object> local = new HashMap<>(c);
    local.put("envelope.kms.type", "local");
    local.put("envelope.kms.local.keyset.dir", System.getProperty("java.io.tmpdir"));
    refused(local, "envelope.kms.type=local");
    Map<String, Object> deterministic = new HashMap<>(c);
    deterministic.put("envelope.mode", "deterministic");
    refused(deterministic, "envelope.mode=deterministic");
    System.out.println("NO-TINK-OK");
  }

  private static void refused(Map<String, Object> configs, String what) {
    try (EncryptingSerializer<String> s = new EncryptingSerializer<>(new StringSerializer())) {
      s.configure(configs, false);
      check(false, what + " is refused");
    } catch (ConfigException e) {
      check(e.getMessage().contains(TinkCheck.DEPENDENCY) && e.getMessage().contains(what),
          what + " is refused naming the dependency: " + e.getMessage());
    }
  }

  private static void check(boolean ok, String what) {
    if (!ok) {
      System.out.println("FAILED: " + what);
      System.exit(1);
    }
    System.out.println("ok: " + what);
  }
}
