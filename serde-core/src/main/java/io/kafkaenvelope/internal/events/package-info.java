/**
 * Internal: what the encryption pipeline reports. {@link EnvelopeEvents} is the one seam the
 * serializer, deserializer, data-key rotator and unwrap cache call at the points that matter
 * (records and bytes sealed and opened, failures by reason, KMS calls, rotations, cache hits); it
 * keeps pre-created counters, exposes them as Kafka metrics (JMX) and writes the structured audit
 * lines of {@link AuditLog} on the {@code kafka-envelope.audit} logger. Names are documented in
 * {@code docs/metrics.md}.
 */
package io.kafkaenvelope.internal.events;
