package io.kafkaenvelope.internal.compress;

import java.util.Arrays;
import java.util.Locale;

/**
 * The codecs by configuration name and by wire id. lz4 and zstd come from lz4-java and zstd-jni,
 * which kafka-clients brings at runtime; their classes are touched only when a codec is asked
 * for, so an application that never compresses needs neither.
 */
public final class Codecs {

  /** Wire ids (the {@code compression} byte of a version 3 envelope header). 0 is "none". */
  public static final byte GZIP = 1;
  public static final byte LZ4 = 2;
  public static final byte ZSTD = 3;

  private static final String[] NAMES = {null, "gzip", "lz4", "zstd"};
  private static final String[] JARS = {null, "java.util.zip (JDK)",
      "lz4-java (package net.jpountz.lz4; org.lz4:lz4-java or at.yawk.lz4:lz4-java, normally "
          + "brought by kafka-clients)",
      "zstd-jni (com.github.luben:zstd-jni, normally brought by kafka-clients)"};

  /** Loaded codecs by id; a race only creates an extra instance. */
  private static final Codec[] LOADED = new Codec[NAMES.length];

  private Codecs() {}

  /** The configuration names, {@code none} first. */
  public static String[] names() {
    String[] n = NAMES.clone();
    n[0] = "none";
    return n;
  }

  /** The id for a configuration name, 0 for {@code none}; -1 if unknown. */
  public static int idOf(String name) {
    String n = name.toLowerCase(Locale.ROOT);
    if (n.equals("none")) {
      return 0;
    }
    return Arrays.asList(NAMES).indexOf(n);
  }

  /** Whether {@code id} names a codec of the wire format (1 to 3). */
  public static boolean isKnown(int id) {
    return id > 0 && id < NAMES.length;
  }

  /** The name of a known id, for messages. */
  public static String nameOf(int id) {
    return isKnown(id) ? NAMES[id] : "codec " + id;
  }

  /**
   * The codec with wire id {@code id}, loading its library on first use and checking that it
   * round-trips a small input (zstd-jni's native library fails only when first called).
   *
   * @throws CodecUnavailableException naming the jar if its classes or native code are missing
   * @throws IllegalArgumentException for an unknown id
   */
  public static Codec forId(int id) {
    if (!isKnown(id)) {
      throw new IllegalArgumentException("unknown codec id " + id);
    }
    Codec c = LOADED[id];
    if (c != null) {
      return c;
    }
    try {
      c = switch (id) {
        case GZIP -> new GzipCodec();
        case LZ4 -> new Lz4Codec();
        default -> new ZstdCodec();
      };
      selfTest(c);
    } catch (LinkageError | RuntimeException e) {
      throw new CodecUnavailableException("compression codec " + NAMES[id] + " needs "
          + JARS[id] + " on the classpath, which is missing or does not load ("
          + e.getClass().getName() + ")", e);
    }
    LOADED[id] = c;
    return c;
  }

  private static void selfTest(Codec c) {
    byte[] in = new byte[256];
    for (int i = 0; i < in.length; i++) {
      in[i] = (byte) (i % 7);
    }
    byte[] packed = new byte[in.length];
    int n = c.compress(in, 0, in.length, packed, 0);
    byte[] out = new byte[in.length];
    if (n <= 0 || c.decompress(packed, 0, n, out, 0, out.length) != in.length
        || !Arrays.equals(in, out)) {
      throw new IllegalStateException("self-test failed");
    }
  }

  /** A codec's library is not on the classpath or does not load. */
  public static final class CodecUnavailableException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    CodecUnavailableException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
