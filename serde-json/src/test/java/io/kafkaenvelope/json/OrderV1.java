package io.kafkaenvelope.json;

/** Version 1 of the test value, as a Java record. */
public record OrderV1(String id, long amountCents, String note) {}
