/**
 * End-to-end measurements through a real embedded broker, each a {@code main} entry point run from
 * the shaded benchmarks jar: throughput plaintext against encrypted
 * ({@link io.kafkaenvelope.benchmarks.e2e.EndToEndBenchmark}), CPU time per record of a producer
 * and a consumer process, each forked ({@link io.kafkaenvelope.benchmarks.e2e.ClientProcess}),
 * for plaintext, TLS 1.3, envelope and envelope + TLS
 * ({@link io.kafkaenvelope.benchmarks.e2e.ProcessCpuBenchmark}), and the bytes the broker stores
 * per record with batch compression ({@link io.kafkaenvelope.benchmarks.e2e.BrokerBytes}). Not
 * published API.
 */
package io.kafkaenvelope.benchmarks.e2e;
