/**
 * Internal: the wire format (docs/wire-format.md) — the envelope header
 * ({@link EnvelopeHeader}), the deterministic header of format version 4
 * ({@link DeterministicHeader}), the field header of format version 5
 * ({@link FieldHeader}), the inline frame, and the layout of a
 * sealed value ({@link SealedRecord}) in both directions. Public for tools and
 * tests of this project; no compatibility promise beyond the documented bytes.
 */
package io.kafkaenvelope.internal.wire;
