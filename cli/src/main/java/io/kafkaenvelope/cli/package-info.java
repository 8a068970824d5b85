/**
 * The {@code kafka-envelope} command line: {@code inspect} reads a topic's envelope headers
 * without a KMS (which KEKs, KEK versions and data keys its records still need),
 * {@code decrypt} prints records decrypted with the configured KMS, {@code verify} authenticates
 * every record, {@code reencrypt} copies a topic under new settings exactly once and resumably, and
 * {@code keys} manages the local KMS's keysets. It is configured with the same properties files as
 * the clients; it never prints key material or configuration values. Its classes are not a
 * library API.
 */
package io.kafkaenvelope.cli;
