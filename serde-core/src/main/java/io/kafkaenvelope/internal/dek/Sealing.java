package io.kafkaenvelope.internal.dek;

import javax.crypto.spec.SecretKeySpec;

/**
 * How the records of one topic and kind are sealed under a data key: the encoded envelope header
 * (the record header's value, or inside an inline frame), the AES-GCM key, and the associated data
 * in front of any clear prefix. Format versions 1 to 3: the DEK, with the header as associated
 * data. Version 6: the record key derived from the DEK and the header, with none. Made once per
 * (DEK, topic, kind) and shared by every record; immutable, callers must not modify the arrays.
 *
 * @param header the encoded envelope header
 * @param key the AES-256-GCM key of the records
 * @param aad the associated data ({@code header} itself, or {@code null} for version 6)
 */
public record Sealing(byte[] header, SecretKeySpec key, byte[] aad) {}
