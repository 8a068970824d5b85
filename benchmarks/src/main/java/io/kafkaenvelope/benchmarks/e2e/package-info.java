/**
 * End-to-end throughput through a real embedded broker, plaintext against encrypted:
 * {@link io.kafkaenvelope.benchmarks.e2e.EndToEndBenchmark} is a {@code main} entry point run from
 * the shaded benchmarks jar. Not published API.
 */
package io.kafkaenvelope.benchmarks.e2e;
