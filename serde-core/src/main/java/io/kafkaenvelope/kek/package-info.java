/**
 * Internal: which KEK a producer uses for a topic ({@link io.kafkaenvelope.kek.KekSelector}) and
 * which KEKs a consumer accepts ({@link io.kafkaenvelope.kek.KekPolicy}), decided before any KMS
 * call.
 */
package io.kafkaenvelope.kek;
