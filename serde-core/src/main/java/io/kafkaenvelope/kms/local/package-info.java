/**
 * {@code envelope.kms.type=local}: KEKs as Tink keyset files in a directory. For development,
 * the demo and tests only — the KEKs sit unencrypted on disk. Keysets are created and rotated
 * under a per-KEK lock so producers racing on a new KEK all use the file that stays.
 */
package io.kafkaenvelope.kms.local;
