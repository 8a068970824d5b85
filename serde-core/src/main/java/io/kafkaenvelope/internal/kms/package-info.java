/**
 * Internal: finding KMS providers with {@link java.util.ServiceLoader}, and the providers of the
 * two KMSs that ship in serde-core ({@code local}, and {@code in-memory}, which only the
 * test-support artifact registers). Applications select a KMS with {@code envelope.kms.type}; they
 * never name these classes.
 */
package io.kafkaenvelope.internal.kms;
