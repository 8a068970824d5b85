/**
 * What encryption costs in bytes on the broker: {@link
 * io.kafkaenvelope.benchmarks.bytes.BatchBytes} builds Kafka record batches with kafka-clients'
 * own {@code MemoryRecordsBuilder} (the code the producer uses) with and without batch
 * compression, from plaintext and from our serializer's records, and reports the bytes per record.
 * Not published API.
 */
package io.kafkaenvelope.benchmarks.bytes;
