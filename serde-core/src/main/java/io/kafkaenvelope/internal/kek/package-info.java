/**
 * Internal: which KEK a producer uses for a topic ({@link KekSelector}) and
 * which KEKs a consumer accepts ({@link KekPolicy}), decided before any KMS
 * call.
 */
package io.kafkaenvelope.internal.kek;
