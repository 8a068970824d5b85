/**
 * The soak run ({@code mvn -Psoak}, not part of {@code verify}): producers and consumers against
 * the embedded broker for a set time with data-key rotation every few seconds, KMS latency spikes
 * and outages on a fixed timeline ({@link io.kafkaenvelope.benchmarks.soak.FaultSchedule}) and
 * broker restarts; {@link io.kafkaenvelope.benchmarks.soak.Soak} accounts for every record, scans
 * the stored segments for plaintext ({@link io.kafkaenvelope.benchmarks.soak.SegmentScan}) and
 * checks that heap and threads stay flat. Not published API.
 */
package io.kafkaenvelope.benchmarks.soak;
