/**
 * Internal: AES-256-GCM through the JCA with caller-supplied counter nonces — one
 * {@link AesGcm#seal} and one {@link AesGcm#open}
 * — using the Amazon Corretto Crypto Provider when it is present and agrees with the JDK, and
 * {@link RecordKeys}, the per-(DEK, header) record key of format version 6.
 */
package io.kafkaenvelope.internal.crypto;
