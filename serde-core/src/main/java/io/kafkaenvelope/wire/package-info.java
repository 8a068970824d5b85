/**
 * Internal: the wire format (docs/wire-format.md) — the envelope header
 * ({@link io.kafkaenvelope.wire.EnvelopeHeader}), the inline frame, and the layout of a sealed
 * value ({@link io.kafkaenvelope.wire.SealedRecord}) in both directions. Public for tools and
 * tests of this project; no compatibility promise beyond the documented bytes.
 */
package io.kafkaenvelope.wire;
