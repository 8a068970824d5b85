/**
 * Internal: opt-in per-record compression before encryption — the gzip, lz4 and zstd codecs, the
 * version 3 body ({@link CompressedBody}) and the per-poll
 * decompression budget.
 */
package io.kafkaenvelope.internal.compress;
