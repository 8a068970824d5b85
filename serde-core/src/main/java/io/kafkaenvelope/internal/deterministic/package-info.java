/**
 * Internal: deterministic encryption ({@code envelope.mode=deterministic}) — the AES-SIV keys
 * every party derives from the KMS per (KEK, scope, key epoch) ({@link SivKeys}), and the scope a
 * record is encrypted under ({@link DeterministicScope}). The byte layout is
 * {@code io.kafkaenvelope.internal.wire.DeterministicHeader}; why it is built this way is in
 * docs/design.md, "Deterministic keys".
 */
package io.kafkaenvelope.internal.deterministic;
