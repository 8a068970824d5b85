package io.kafkaenvelope.internal.crypto;

/**
 * Whether Google Tink is on the classpath. serde-core declares Tink {@code optional}: only the
 * development {@code local} KMS (Tink keysets) and deterministic mode (Tink's AES-SIV, for which
 * the JDK has no implementation) use it, so an application on a cloud KMS in record mode does not
 * carry Tink and protobuf-java. The classes that use Tink are loaded only after this check, which
 * turns a missing jar into a message naming the dependency instead of a
 * {@code NoClassDefFoundError} deep in a send.
 *
 * <p>Internal API.
 */
public final class TinkCheck {

  /** The Tink release this library is built and tested with (the root pom's tink.version). */
  public static final String VERSION = "1.18.0";
  /** The Maven coordinates to add. */
  public static final String DEPENDENCY = "com.google.crypto.tink:tink:" + VERSION;

  private static final boolean PRESENT = present("com.google.crypto.tink.DeterministicAead");

  private TinkCheck() {}

  /** Whether Tink's classes can be loaded by serde-core's class loader. */
  public static boolean present() {
    return PRESENT;
  }

  /** What to tell a user whose {@code feature} needs Tink when it is missing. */
  public static String missing(String feature) {
    return feature + " needs Google Tink, which is not on the classpath: add the dependency "
        + DEPENDENCY + " (kafka-envelope-serde-core declares it optional; record mode with "
        + "aws-kms, vault-transit, gcp-kms or azure-keyvault does not need it)";
  }

  static boolean present(String className) {
    try {
      Class.forName(className, false, TinkCheck.class.getClassLoader());
      return true;
    } catch (ClassNotFoundException | LinkageError e) {
      return false;
    }
  }
}
