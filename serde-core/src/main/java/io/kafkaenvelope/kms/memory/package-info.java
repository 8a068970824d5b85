/**
 * {@code envelope.kms.type=in-memory}: KEKs in the JVM's memory, with call counters and failure
 * injection, for tests and benchmarks. Only the test-only {@code kafka-envelope-test-support}
 * artifact registers it, so a production classpath cannot select it.
 */
package io.kafkaenvelope.kms.memory;
