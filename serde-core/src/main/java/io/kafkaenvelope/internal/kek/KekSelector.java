package io.kafkaenvelope.internal.kek;

import java.util.Objects;

/**
 * Chooses the KEK for a topic: one fixed id for every topic, or a template such as
 * {@code alias/kafka-${topic}} that gives each topic its own KEK. Whether the chosen KEK exists is
 * the KMS's answer; what happens when it does not is the unresolved-KEK policy.
 */
public final class KekSelector {

  /** The placeholder a KEK template replaces with the topic name. */
  public static final String TOPIC_PLACEHOLDER = "${topic}";

  private final String fixed;
  private final String template;

  private KekSelector(String fixed, String template) {
    this.fixed = fixed;
    this.template = template;
  }

  /** Every topic uses {@code kekId}. */
  public static KekSelector fixed(String kekId) {
    return new KekSelector(Objects.requireNonNull(kekId, "kekId"), null);
  }

  /** Each topic uses {@code template} with {@code ${topic}} replaced by the topic name. */
  public static KekSelector template(String template) {
    if (!template.contains(TOPIC_PLACEHOLDER)) {
      throw new IllegalArgumentException("KEK template must contain "
          + TOPIC_PLACEHOLDER);
    }
    return new KekSelector(null, template);
  }

  /** The KEK id for {@code topic}. */
  public String kekFor(String topic) {
    return fixed != null ? fixed : template.replace(TOPIC_PLACEHOLDER, topic);
  }

  @Override
  public String toString() {
    return fixed != null ? "KekSelector{fixed=" + fixed + "}" : "KekSelector{template="
        + template + "}";
  }
}
