/**
 * Internal: data keys. The producer's {@link DekRotator} hands out the
 * current key and replaces it by age, records and bytes, fetching the next one ahead; the
 * consumer's {@link DekCache} unwraps each key once per JVM within budgets a
 * hostile writer cannot exceed (per-KEK backoff, a rate limit, a lifetime).
 */
package io.kafkaenvelope.internal.dek;
