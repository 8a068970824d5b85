/**
 * JMH microbenchmarks of the serializer and deserializer (whole records, inline framing, the cost
 * of the associated data) against other contenders, and {@link
 * io.kafkaenvelope.benchmarks.micro.PairedRuns}, which alternates short runs of two contenders so
 * machine drift cancels out. The public benchmark classes are what JMH runs; {@code Fixtures}
 * (keys, records and configurations the benchmarks share) is internal. Not published API.
 */
package io.kafkaenvelope.benchmarks.micro;
