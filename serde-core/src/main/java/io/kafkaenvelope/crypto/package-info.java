/**
 * Internal: AES-256-GCM through the JCA with caller-supplied counter nonces — one
 * {@link io.kafkaenvelope.crypto.AesGcm#seal} and one {@link io.kafkaenvelope.crypto.AesGcm#open}
 * — using the Amazon Corretto Crypto Provider when it is present and agrees with the JDK.
 */
package io.kafkaenvelope.crypto;
