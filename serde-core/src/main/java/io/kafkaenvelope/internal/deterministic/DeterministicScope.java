package io.kafkaenvelope.internal.deterministic;

import io.kafkaenvelope.internal.wire.DeterministicHeader.ScopeKind;

/**
 * The scope equal plaintexts give equal ciphertexts in: by default the topic (and the role, which
 * is in the associated data), or a name several topics share ({@code envelope.deterministic.scope})
 * so their keys or fields match across topics.
 *
 * <p>Internal API.
 */
public record DeterministicScope(ScopeKind kind, String name) {

  /** The scope of {@code topic} under the configured scope name ({@code null}: the topic). */
  public static DeterministicScope of(String configuredName, String topic) {
    return configuredName == null ? new DeterministicScope(ScopeKind.TOPIC, topic)
        : new DeterministicScope(ScopeKind.NAMED, configuredName);
  }

  /** How the scope appears in the derivation context: {@code topic:<n>} or {@code named:<n>}. */
  public String contextValue() {
    return kind + ":" + name;
  }
}
