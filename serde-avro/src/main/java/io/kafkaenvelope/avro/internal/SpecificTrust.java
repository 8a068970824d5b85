package io.kafkaenvelope.avro.internal;

import org.apache.avro.util.ClassSecurityValidator;

/** Lets Avro instantiate the generated classes of a configured SpecificRecord class. */
public final class SpecificTrust {

  private SpecificTrust() {}

  /**
   * Avro 1.12.2+ instantiates only classes its {@link ClassSecurityValidator} trusts (by default
   * java.lang types, plus what the {@code org.apache.avro.SERIALIZABLE_PACKAGES} system property
   * lists). Naming a generated class in {@code envelope.avro.specific.class} is that trust decision
   * for its package, where the generator also puts the record's nested records and enums; nothing
   * else is added, and what a schema names elsewhere stays refused.
   */
  public static synchronized void trustGeneratedPackage(Class<?> specific) {
    String pkg = specific.getPackageName();
    ClassSecurityValidator.ClassSecurityPredicate current = ClassSecurityValidator.getGlobal();
    if (current.isTrusted(specific)) {
      return;
    }
    ClassSecurityValidator.setGlobal(ClassSecurityValidator.composite(current,
        cls -> cls.getPackageName().equals(pkg)));
  }
}
