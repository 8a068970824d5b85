/**
 * Turns benchmark output into the tables of docs/performance.md: {@link
 * io.kafkaenvelope.benchmarks.report.PerformanceReport} (from JMH results) and {@link
 * io.kafkaenvelope.benchmarks.report.JfrProfile} (CPU shares from a JFR recording) are {@code main}
 * entry points; {@code JmhResults} (reading JMH's JSON) is internal. Not published API.
 */
package io.kafkaenvelope.benchmarks.report;
