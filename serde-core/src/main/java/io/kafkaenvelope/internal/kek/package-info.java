/**
 * Internal: which KEK a producer uses for a topic or, with {@code ${header:NAME}}, for a record
 * ({@link KekSelector}) and which KEKs a consumer accepts ({@link KekPolicy}), decided before any
 * KMS call; a record whose template header is missing or invalid fails with
 * {@link KekHeaderException}.
 */
package io.kafkaenvelope.internal.kek;
